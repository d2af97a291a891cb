/**
 * docker/build/entrypoint.sh under bash with stub `claude` and `aws` executables (see
 * entrypoint-harness.ts): the core and worker phases, streaming, and environment validation.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_ROLE_ARN, AGENT_UID, BUCKET, BUILD_ID, SECRETS, CORE_KEY, CORE_SUCCESS, Harness, SPEC, SPEC_KEY, WORKER_RESULT, WORKSPACE_KEY, expectFailureRecord, expectNoSecrets, runCore } from '../helpers/entrypoint-harness';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

describe('core phase', () => {
  test('success: runs Claude Code non-interactively and uploads the success record', () => {
    const result = runCore(h);

    expect(h.readRecord(CORE_KEY)).toEqual({
      status: 'success',
      phase: 'core',
      buildId: BUILD_ID,
      summary: 'Built c-to-f',
      tools: [{ toolName: 'c-to-f', description: 'Celsius to Fahrenheit', path: 'project/tools/c-to-f', inputSchema: { type: 'object' } }],
      notes: 'none',
      workspaceKey: WORKSPACE_KEY,
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(h.hasObject(WORKSPACE_KEY)).toBe(true);

    // Claude Code in print mode, streaming JSON, without permission prompts.
    const args = h.log('claude.args').trim().split('\n');
    expect(args).toEqual(expect.arrayContaining(['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions']));
    expect(args[args.indexOf('--output-format') + 1]).toBe('stream-json');
    // The prompt (stdin) is the core template, rendered, with the spec inlined.
    const prompt = h.log('claude.stdin');
    expect(prompt).toContain('# FABLE build: core phase');
    expect(prompt).toContain(SPEC.request);
    expect(prompt).toContain(join(h.workDir, 'core', 'output.json'));
    expect(prompt).not.toMatch(/\{\{[A-Z_]+\}\}/);
    expect(h.log('claude.cwd').trim()).toBe(join(h.workDir, 'core'));
    expect(readFileSync(join(h.workDir, 'core', 'input', 'spec.json'), 'utf8')).toBe(JSON.stringify(SPEC));
    expect(readFileSync(join(h.workDir, 'core', 'TASK.md'), 'utf8')).toBe(prompt);

    // The stub's stream reaches stdout.
    expect(result.stdout).toContain('"subtype":"init"');
    expect(result.stdout).toContain('Writing the tool');
    expect(h.log('aws.log')).toContain(`s3 cp s3://${BUCKET}/${SPEC_KEY}`);
    expectNoSecrets(h, result);
  });

  test('the agent log is streamed to stdout while the agent runs, not after it exits', async () => {
    const release = join(h.root, 'release');
    h.stubClaude(String.raw`
echo "STREAM-MARKER agent is working"
for _ in $(seq 1 100); do [[ -f "${release}" ]] && break; sleep 0.1; done
[[ -f "${release}" ]] || { echo "never released: output was buffered" >&2; exit 7; }
${CORE_SUCCESS}`);
    let sawMarkerWhileRunning = false;
    const result = await h.runAsync({}, (_chunk, child) => {
      if (!sawMarkerWhileRunning && child.exitCode === null && /STREAM-MARKER/.test(_chunk)) {
        sawMarkerWhileRunning = true;
        writeFileSync(release, 'go');
      }
    });
    expect(result.stderr).not.toContain('never released');
    expect(sawMarkerWhileRunning).toBe(true);
    expect(result.code).toBe(0);
  });

  test('refuses a core result without a project/ directory', () => {
    h.stubClaude(`echo '{"status":"success","summary":"s","tools":[{"toolName":"a-tool"}]}' > output.json`);
    const result = h.run();
    expect(result.code).toBe(5);
    expectFailureRecord(h, CORE_KEY, 'core', /no project\/ directory/);
  });
});

/** The workspace of the phase that starts a worker (a worker copies its spec from there). */
function parentWorkspace(harness: Harness): string {
  const dir = join(harness.root, 'parent');
  mkdirSync(join(dir, 'input'), { recursive: true });
  writeFileSync(join(dir, 'input', 'spec.json'), JSON.stringify(SPEC));
  return dir;
}

describe('worker phase', () => {
  test('runs the sub-task in its own workspace and keeps its record in worker-<id>/result.json (no S3)', () => {
    const taskFile = join(h.root, 'task-w1.md');
    writeFileSync(taskFile, 'Add input validation to the c-to-f tool.\n');
    h.stubClaude(`echo '{"status":"success","summary":"validated","files":["/x"]}' > output.json`);
    const result = h.run({ FABLE_PHASE: 'worker', FABLE_WORKER_ID: 'w1', FABLE_WORKER_TASK_FILE: taskFile, FABLE_WORKSPACE: parentWorkspace(h) });
    expect(result.code).toBe(0);
    expect(h.readLocalRecord(WORKER_RESULT)).toMatchObject({ status: 'success', phase: 'worker', workerId: 'w1', summary: 'validated' });
    expect(h.log('claude.cwd').trim()).toBe(join(h.workDir, 'worker-w1'));
    expect(h.log('claude.stdin')).toContain('Add input validation to the c-to-f tool.');
    expect(h.log('claude.env')).toContain('FABLE_IN_WORKER=1');
    expect(h.objectKeys()).toEqual([SPEC_KEY]);
    expect(h.log('aws.log')).toBe('');
  });

  test('a worker cannot start another worker', () => {
    const taskFile = join(h.root, 'task.md');
    writeFileSync(taskFile, 'task');
    h.stubClaude('exit 0');
    const result = h.run({ FABLE_PHASE: 'worker', FABLE_WORKER_ID: 'w1', FABLE_WORKER_TASK_FILE: taskFile, FABLE_IN_WORKER: '1' });
    expect(result.code).toBe(2);
    expect(h.readLocalRecord(WORKER_RESULT)).toMatchObject({ status: 'failed', phase: 'worker', error: expect.stringMatching(/cannot start further workers/) });
  });

  test('needs a task file', () => {
    h.stubClaude('exit 0');
    const result = h.run({ FABLE_PHASE: 'worker', FABLE_WORKER_ID: 'w1' });
    expect(result.code).toBe(2);
    expect(h.readLocalRecord(WORKER_RESULT)).toMatchObject({ status: 'failed', phase: 'worker', error: expect.stringMatching(/FABLE_WORKER_TASK_FILE is required/) });
  });
});

describe('environment validation', () => {
  beforeEach(() => h.stubClaude(CORE_SUCCESS));

  test.each(['FABLE_PHASE', 'FABLE_BUILD_ID', 'ARTIFACTS_BUCKET'])(
    'missing %s: no way to name the record, so nothing is uploaded; exits 2',
    (name) => {
      const result = h.run({ [name]: undefined });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${name} is required`);
      expect(result.stderr).toContain('no failure record uploaded');
      expect(h.objectKeys()).toEqual([SPEC_KEY]);
      expect(h.log('claude.args')).toBe('');
    },
  );

  test.each([
    ['FABLE_PHASE', 'deploy', /FABLE_PHASE must be one of core, oi, worker/],
    ['FABLE_BUILD_ID', '../../etc', /FABLE_BUILD_ID must match/],
    ['FABLE_BUILD_ID', 'x'.repeat(81), /FABLE_BUILD_ID must match/],
    ['ARTIFACTS_BUCKET', 'Not_A_Bucket', /ARTIFACTS_BUCKET is not a valid bucket name/],
  ])('invalid %s=%s: exits 2 without uploading', (name, value, error) => {
    const result = h.run({ [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(error);
    expect(h.objectKeys()).toEqual([SPEC_KEY]);
  });

  test.each([
    ['FABLE_SPEC_KEY', undefined, /FABLE_SPEC_KEY is required/],
    ['FABLE_SPEC_KEY', '../secrets.json', /FABLE_SPEC_KEY is not a valid object key/],
    ['AWS_REGION', undefined, /AWS_REGION is required/],
    ['FABLE_PHASE_TIMEOUT_SECONDS', '0', /FABLE_PHASE_TIMEOUT_SECONDS must be a positive integer/],
    ['FABLE_PHASE_TIMEOUT_SECONDS', 'soon', /FABLE_PHASE_TIMEOUT_SECONDS must be a positive integer/],
    ['FABLE_PHASE_TIMEOUT_SECONDS', '-5', /FABLE_PHASE_TIMEOUT_SECONDS must be a positive integer/],
    ['FABLE_MAX_TURNS', 'many', /FABLE_MAX_TURNS must be a positive integer/],
  ])('%s=%s: exits 2 and uploads a failure record', (name, value, error) => {
    const result = h.run({ [name]: value });
    expect(result.code).toBe(2);
    expectFailureRecord(h, CORE_KEY, 'core', error);
    expect(h.log('claude.args')).toBe('');
  });

  test('FABLE_PHASE_TIMEOUT_SECONDS defaults to 2700', () => {
    const result = h.run({ FABLE_PHASE_TIMEOUT_SECONDS: undefined });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('timeout 2700s');
  });

  test('without FABLE_PHASE_TIMEOUT_SECONDS, each phase takes its own deadline from the task definition', () => {
    const deadlines = { FABLE_PHASE_TIMEOUT_SECONDS: undefined, FABLE_CORE_TIMEOUT_SECONDS: '2400', FABLE_OI_TIMEOUT_SECONDS: '3300' };
    const core = h.run(deadlines);
    expect(core.code).toBe(0);
    expect(core.stdout).toContain('timeout 2400s');
    expect(h.log('claude.stdin')).toContain('Time limit: 2400 seconds');
    expect(h.run({ ...deadlines, FABLE_PHASE_TIMEOUT_SECONDS: '60' }).stdout).toContain('timeout 60s');
  });

  test('a malformed per-phase deadline exits 2 with a failure record', () => {
    const result = h.run({ FABLE_PHASE_TIMEOUT_SECONDS: undefined, FABLE_CORE_TIMEOUT_SECONDS: 'soon' });
    expect(result.code).toBe(2);
    expectFailureRecord(h, CORE_KEY, 'core', /FABLE_CORE_TIMEOUT_SECONDS must be a positive integer/);
  });

  test('a work directory that cannot be created fails with a clear error', () => {
    const file = join(h.root, 'not-a-dir');
    writeFileSync(file, '');
    const result = h.run({ FABLE_WORK_DIR: file });
    expect(result.code).toBe(2);
    expectFailureRecord(h, CORE_KEY, 'core', /cannot create directories under .*not-a-dir/);
  });
});

describe('the agent as its own principal', () => {
  /** Stub agent probes: what it can read of the entrypoint, and whom its AWS calls go out as. */
  const PROBE = String.raw`
{
  pid=$PPID
  while [[ -n $pid && $pid -gt 1 ]]; do
    if cat "/proc/$pid/environ" >/dev/null 2>&1; then echo "environ-readable $pid"; else echo "environ-denied $pid"; fi
    pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
  done
  for dir in /tmp/fable-entrypoint.*; do
    if ls "$dir" >/dev/null 2>&1; then echo "private-readable $dir"; else echo "private-denied"; fi
  done
  if cat .fable/agent.log >/dev/null 2>&1; then echo "log-readable"; else echo "log-denied"; fi
  echo "wrong-token $(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: not-the-token' "$AWS_CONTAINER_CREDENTIALS_FULL_URI")"
  echo "identity-1 $(aws sts get-caller-identity | jq -r .Arn)"
  echo "identity-2 $(aws sts get-caller-identity | jq -r .Arn)"
} >"$STUB_LOG_DIR/claude.probe"
`;

  const probe = (harness: Harness) => harness.log('claude.probe').trim().split('\n');

  test('runs as its own uid with none of the task role\'s credentials, and cannot read the entrypoint\'s environment or files', () => {
    h.stubClaude(PROBE + CORE_SUCCESS);
    const result = h.run();
    expect(result.code).toBe(0);
    expect(h.log('claude.uid').trim()).toBe(String(AGENT_UID));

    const env = h.log('claude.fullenv');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(env).not.toContain(value);
      expect(env).not.toMatch(new RegExp(`^${name}=`, 'm'));
    }
    expect(env).not.toMatch(/^FABLE_AGENT_/m);
    expect(env).toMatch(/^AWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.1:\d+\/agent-credentials$/m);
    expect(env).toMatch(/^AWS_CONTAINER_AUTHORIZATION_TOKEN=[0-9a-f]{64}$/m);

    const lines = probe(h);
    const ancestors = lines.filter((l) => l.startsWith('environ-'));
    expect(ancestors.length).toBeGreaterThanOrEqual(2); // timeout, then the entrypoint itself
    expect(ancestors.filter((l) => !l.startsWith('environ-denied'))).toEqual([]);
    expect(lines).toContain('private-denied');
    expect(lines.filter((l) => l.startsWith('private-readable'))).toEqual([]);
    expect(lines).toContain('log-denied');
    expect(lines).toContain('wrong-token 401');
  });

  test('its AWS calls go out with the agent role\'s session (name = build id); the entrypoint\'s with the task role', () => {
    h.stubClaude(PROBE + CORE_SUCCESS);
    expect(h.run().code).toBe(0);
    const lines = probe(h);
    expect(lines).toContain('identity-1 ASIAAGENTSESSION0001');
    expect(lines).toContain('identity-2 ASIAAGENTSESSION0001'); // one session, held until close to expiry

    const calls = h.log('aws.principals').trim().split('\n');
    const byAgent = calls.filter((c) => c.includes('sts get-caller-identity'));
    expect(byAgent.length).toBe(2);
    expect(byAgent.every((c) => c.startsWith('ASIAAGENTSESSION0001 '))).toBe(true);
    const byEntrypoint = calls.filter((c) => !c.includes('sts get-caller-identity'));
    expect(byEntrypoint.every((c) => c.startsWith(`${SECRETS.AWS_ACCESS_KEY_ID} `))).toBe(true);
    expect(byEntrypoint.filter((c) => c.includes('sts assume-role'))).toEqual([
      `${SECRETS.AWS_ACCESS_KEY_ID} sts assume-role --role-arn ${AGENT_ROLE_ARN} --role-session-name ${BUILD_ID} --duration-seconds 3600 --output json`,
    ]);
  });

  test('the entrypoint\'s aws calls never read a config file the agent could write in its HOME', () => {
    h.stubClaude(`mkdir -p "$HOME/.aws" && printf '[default]\\nendpoint_url = https://collector.example\\n' >"$HOME/.aws/config"\n${CORE_SUCCESS}`);
    expect(h.run().code).toBe(0);
    const calls = h.log('aws.configs').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('s3 ') || c.includes(' s3 ')).length).toBeGreaterThan(0);
    expect(calls.filter((c) => !c.startsWith('/dev/null ') && !c.includes('sts get-caller-identity'))).toEqual([]);
  });

  test('the endpoint assumes the role again when the session is close to expiry (phases outlast a chained session)', () => {
    h.stubClaude(PROBE + CORE_SUCCESS);
    // Sessions of 10 minutes are inside the 15-minute refresh margin: every read gets a new one.
    expect(h.run({ STUB_SESSION_SECONDS: '600' }).code).toBe(0);
    const lines = probe(h);
    expect(lines).toContain('identity-1 ASIAAGENTSESSION0002');
    expect(lines).toContain('identity-2 ASIAAGENTSESSION0003');
  });

  test('fails before starting the agent when the agent role cannot be assumed', () => {
    h.stubClaude(CORE_SUCCESS);
    const result = h.run({ STUB_AWS_FAIL_MATCH: 'assume-role' });
    expect(result.code).toBe(4);
    expectFailureRecord(h, CORE_KEY, 'core', /could not obtain the agent's credentials \(arn:aws:iam::123456789012:role\/fable-dev-build-agent\)/);
    expect(h.log('claude.args')).toBe('');
  });

  test('refuses to run a core or oi phase without the agent role, or with root as the agent\'s user', () => {
    h.stubClaude(CORE_SUCCESS);
    expect(h.run({ FABLE_AGENT_ROLE_ARN: undefined }).code).toBe(2);
    expectFailureRecord(h, CORE_KEY, 'core', /FABLE_AGENT_ROLE_ARN is required/);
    expect(h.run({ FABLE_AGENT_UID: '0' }).code).toBe(2);
    expectFailureRecord(h, CORE_KEY, 'core', /FABLE_AGENT_UID and FABLE_AGENT_GID must be non-zero ids/);
    expect(h.log('claude.args')).toBe('');
  });
});
