/** docker/build/entrypoint.sh, oi phase: workspace hand-over from core and output validation. */
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET, BUILD_ID, CORE_KEY, ENTRYPOINT, Harness, OI_KEY, OI_SUCCESS, WORKER_RESULT, WORKSPACE_KEY, expectFailureRecord, expectNoSecrets, runCore } from '../helpers/entrypoint-harness';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

describe('oi phase', () => {
  test('success: restores the core workspace, uploads each package under its sha256, uploads the tool list', () => {
    runCore(h);
    h.stubClaude(OI_SUCCESS);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const record = h.readRecord(OI_KEY);
    expect(record).toMatchObject({ status: 'success', phase: 'oi', buildId: BUILD_ID, summary: 'published' });
    const tools = record.tools as Array<{ toolName: string; s3Key: string; sha256: string; schema: Record<string, unknown> }>;
    expect(tools).toHaveLength(1);
    expect(tools[0].toolName).toBe('c-to-f');
    const packageBytes = readFileSync(join(h.workDir, 'oi', 'packages', 'c-to-f.zip'));
    const sha = createHash('sha256').update(packageBytes).digest('hex');
    expect(tools[0]).toMatchObject({ s3Key: `tools/c-to-f/${sha}.zip`, sha256: sha });
    expect(tools[0].schema).toMatchObject({ name: 'c-to-f', description: 'Celsius to Fahrenheit' });
    expect(readFileSync(h.objectPath(tools[0].s3Key))).toEqual(packageBytes);

    const aws = h.log('aws.log');
    expect(aws).toContain(`s3 cp s3://${BUCKET}/${CORE_KEY}`);
    expect(aws).toContain(`s3 cp s3://${BUCKET}/${WORKSPACE_KEY}`);
    expect(aws).toContain(` s3://${BUCKET}/${tools[0].s3Key} --only-show-errors`);
    expect(h.log('claude.stdin')).toContain('# FABLE build: oi phase');
    expectNoSecrets(h, result);
  });

  test('takes the oi deadline, not the core one, when the task definition gives both', () => {
    runCore(h);
    h.stubClaude(OI_SUCCESS);
    const result = h.run({ FABLE_PHASE: 'oi', FABLE_PHASE_TIMEOUT_SECONDS: undefined, FABLE_CORE_TIMEOUT_SECONDS: '2400', FABLE_OI_TIMEOUT_SECONDS: '3300' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('timeout 3300s');
  });

  test('the oi agent can start a worker with the same entrypoint (as the oi prompt describes)', () => {
    runCore(h);
    symlinkSync(ENTRYPOINT, join(h.binDir, 'fable-entrypoint'));
    h.stubClaude(String.raw`
if [[ $FABLE_PHASE == worker ]]; then
  echo '{"status":"success","summary":"worker checked c-to-f","files":[]}' > output.json
  exit 0
fi
mkdir -p "$FABLE_WORK_DIR/tasks"
echo "Check the c-to-f tool." > "$FABLE_WORK_DIR/tasks/w1.md"
FABLE_PHASE=worker FABLE_WORKER_ID=w1 FABLE_WORKER_TASK_FILE="$FABLE_WORK_DIR/tasks/w1.md" \
  FABLE_PHASE_TIMEOUT_SECONDS=20 fable-entrypoint > "$FABLE_WORK_DIR/tasks/w1.log" 2>&1 || { echo "worker failed" >&2; exit 8; }
grep -q 'worker checked c-to-f' "$FABLE_WORK_DIR/worker-w1/output.json" || exit 8
${OI_SUCCESS}`);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(h.readLocalRecord(WORKER_RESULT)).toMatchObject({ status: 'success', phase: 'worker', workerId: 'w1' });
    // The worker ran inside the agent: as its user, with its credential endpoint, and no S3 call of its own.
    expect(h.objectKeys()).not.toContain(`builds/${BUILD_ID}/worker-w1-output.json`);
    expect(h.readRecord(OI_KEY)).toMatchObject({ status: 'success', phase: 'oi' });
    expectNoSecrets(h, result);
  });

  test('fails before running the agent when the core phase failed', () => {
    h.putObject(CORE_KEY, JSON.stringify({ status: 'failed', phase: 'core', error: 'boom' }));
    h.stubClaude(OI_SUCCESS);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.code).toBe(3);
    expectFailureRecord(h, OI_KEY, 'oi', /core phase did not succeed \(status: failed\)/);
    expect(h.log('claude.args')).toBe('');
  });

  test('fails when the core output is missing', () => {
    h.stubClaude(OI_SUCCESS);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.code).toBe(3);
    expectFailureRecord(h, OI_KEY, 'oi', /could not download .*core-output\.json.*does not exist/);
  });

  const goodTool = {
    toolName: 'c-to-f',
    schema: { name: 'c-to-f', description: 'Celsius to Fahrenheit', inputSchema: { type: 'object' } },
  };
  const invalidOutputs: Array<[string, unknown, RegExp]> = [
    ['no tools', { status: 'success' }, /tools must be a non-empty array/],
    ['tools not an array', { tools: { 'c-to-f': goodTool } }, /tools must be a non-empty array/],
    ['a tool that is not an object', { tools: ['c-to-f'] }, /tools\[0\] must be an object/],
    ['invalid toolName', { tools: [{ ...goodTool, toolName: 'C_to_F' }] }, /tools\[0\]\.toolName must match/],
    ['missing schema', { tools: [{ ...goodTool, schema: undefined }] }, /tools\[0\]\.schema must be an object/],
    ['schema without description', { tools: [{ ...goodTool, schema: { name: 'c-to-f', inputSchema: {} } }] }, /schema\.description must be a non-empty string/],
    ['schema without inputSchema', { tools: [{ ...goodTool, schema: { name: 'c-to-f', description: 'd' } }] }, /inputSchema must be a JSON Schema object/],
    ['duplicate tool names', { tools: [goodTool, goodTool] }, /tool names must be unique/],
    ['unknown status', { status: 'done', tools: [goodTool] }, /status must be "success" or "failed"/],
  ];

  /** A successful core output without a workspace archive: oi starts from an empty project. */
  const coreDone = (): void => h.putObject(CORE_KEY, JSON.stringify({ status: 'success', summary: 's', tools: [{ toolName: 'c-to-f' }] }));

  test.each(invalidOutputs)('rejects an output with %s', (_name, output, error) => {
    coreDone();
    writeFileSync(join(h.root, 'output.json'), JSON.stringify(output));
    h.stubClaude(`mkdir -p packages && echo zip > packages/c-to-f.zip && cp "${join(h.root, 'output.json')}" output.json`);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.code).toBe(5);
    expectFailureRecord(h, OI_KEY, 'oi', error);
  });

  test('rejects a tool the agent wrote no package for', () => {
    coreDone();
    writeFileSync(join(h.root, 'output.json'), JSON.stringify({ tools: [goodTool] }));
    h.stubClaude(`cp "${join(h.root, 'output.json')}" output.json`);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.code).toBe(5);
    expectFailureRecord(h, OI_KEY, 'oi', /tool c-to-f has no package: write it to packages\/c-to-f\.zip/);
    expect(h.objectKeys().filter((key) => key.startsWith('tools/'))).toEqual([]);
  });

  test('a package that is a symlink to a file only the entrypoint may read is refused, not uploaded', () => {
    coreDone();
    const secret = join(h.root, 'entrypoint-only.txt');
    writeFileSync(secret, 'ENTRYPOINT-PRIVATE', { mode: 0o600 });
    writeFileSync(join(h.root, 'output.json'), JSON.stringify({ tools: [goodTool] }));
    h.stubClaude(`mkdir -p packages && ln -s "${secret}" packages/c-to-f.zip && cp "${join(h.root, 'output.json')}" output.json`);
    const result = h.run({ FABLE_PHASE: 'oi' });
    expect(result.code).toBe(5);
    expectFailureRecord(h, OI_KEY, 'oi', /tool c-to-f has no package/);
    expect(h.objectKeys().filter((key) => key.startsWith('tools/'))).toEqual([]);
  });
});
