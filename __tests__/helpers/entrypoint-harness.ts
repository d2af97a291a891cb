/**
 * Test harness for docker/build/entrypoint.sh: a temp dir per run with stub `aws` and `claude`
 * executables first on PATH. The stub `aws` implements `s3 cp` (to/from a local directory that
 * stands in for the bucket, `-` for stdin/stdout), `s3api head-object` and `sts assume-role`.
 * Both stubs log their arguments. The real `timeout`, `jq`, `perl`, `tar`, `setpriv` and the real
 * credential endpoint (docker/build/agent-credentials.mjs, on node) are used: the tests run as
 * root, so the agent really runs as its own uid (AGENT_UID), as in the image.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const BUILD_DIR = join(REPO_ROOT, 'docker', 'build');
export const ENTRYPOINT = join(BUILD_DIR, 'entrypoint.sh');
export const CREDENTIALS_SERVER = join(BUILD_DIR, 'agent-credentials.mjs');
export const AGENT_ROLE_ARN = 'arn:aws:iam::123456789012:role/fable-dev-build-agent';
/** The agent's uid and gid (the entrypoint's default; the image creates user fable-agent with it). */
export const AGENT_UID = 10002;
export const PROMPTS_DIR = join(BUILD_DIR, 'prompts');

export const BUCKET = 'fable-dev-artifacts-123456789012';
export const BUILD_ID = 'b-2f6c1e0a-build';
export const SPEC_KEY = `builds/${BUILD_ID}/spec.json`;
export const SPEC = { request: 'Build a tool that converts Celsius to Fahrenheit', userId: 'anonymous', orgId: 'default' };

/** Recognizable fake credentials: none of them may ever appear in a log or a record. */
export const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE7777',
  AWS_SECRET_ACCESS_KEY: 'fakeSecret/abc+DEF0123456789xyzFAKEFAKE01',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEFAKESESSIONTOKEN0123456789abcdefFAKE==',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/fake-credentials-0f1e2d3c',
} as const;

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Stub aws CLI (a bash script, checked by shellcheck with the entrypoint). */
export const STUB_AWS = join(__dirname, 'stubs', 'aws');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export class Harness {
  readonly root: string;
  readonly s3Dir: string;
  readonly binDir: string;
  readonly logDir: string;
  readonly workDir: string;
  env: Record<string, string>;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'fable-entrypoint-'));
    this.s3Dir = join(this.root, 's3');
    this.binDir = join(this.root, 'bin');
    this.logDir = join(this.root, 'logs');
    this.workDir = join(this.root, 'work');
    for (const dir of [this.s3Dir, this.binDir, this.logDir, this.workDir, join(this.root, 'home'), join(this.root, 'tmp')]) {
      mkdirSync(dir, { recursive: true });
    }
    // The agent runs as AGENT_UID: it must reach its stubs and write the stub logs.
    chmodSync(this.root, 0o755);
    chmodSync(this.logDir, 0o777);
    this.writeExecutable('aws', readFileSync(STUB_AWS, 'utf8'));
    this.putObject(SPEC_KEY, JSON.stringify(SPEC));
    // A minimal, explicit environment: nothing from the developer's shell (no real credentials).
    this.env = {
      PATH: `${this.binDir}:${SYSTEM_PATH}`,
      HOME: join(this.root, 'home'),
      TMPDIR: join(this.root, 'tmp'),
      LANG: 'C.UTF-8',
      FABLE_WORK_DIR: this.workDir,
      FABLE_PROMPTS_DIR: PROMPTS_DIR,
      FABLE_PHASE: 'core',
      FABLE_BUILD_ID: BUILD_ID,
      FABLE_SPEC_KEY: SPEC_KEY,
      ARTIFACTS_BUCKET: BUCKET,
      AWS_REGION: 'us-west-2',
      CLAUDE_CODE_USE_BEDROCK: '1',
      CLAUDE_CODE_SKIP_OOBE: '1',
      FABLE_PHASE_TIMEOUT_SECONDS: '30',
      FABLE_AGENT_ROLE_ARN: AGENT_ROLE_ARN,
      FABLE_CREDENTIALS_SERVER: CREDENTIALS_SERVER,
      STUB_S3_DIR: this.s3Dir,
      STUB_LOG_DIR: this.logDir,
      ...SECRETS,
    };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  writeExecutable(name: string, content: string): void {
    const file = join(this.binDir, name);
    writeFileSync(file, content);
    chmodSync(file, 0o755);
  }

  /** Installs a stub `claude` that logs its args and stdin, then runs `body` (bash) in the agent's cwd. */
  stubClaude(body: string): void {
    this.writeExecutable(
      'claude',
      [
        '#!/bin/bash',
        '# Stub claude: logs its arguments, stdin, cwd, uid, a few variables and its whole environment, then runs the body.',
        'umask 000',
        'printf \'%s\\n\' "$@" >"$STUB_LOG_DIR/claude.args"',
        'printf \'%s\\n\' "$UID" >"$STUB_LOG_DIR/claude.uid"',
        'env >"$STUB_LOG_DIR/claude.fullenv"',
        'IFS= read -r -d "" stdin_text || true',
        'printf \'%s\' "$stdin_text" >"$STUB_LOG_DIR/claude.stdin"',
        'pwd >"$STUB_LOG_DIR/claude.cwd"',
        'for v in FABLE_IN_WORKER FABLE_WORKSPACE FABLE_OUTPUT_FILE HOME TMPDIR; do printf \'%s=%s\\n\' "$v" "${!v-}"; done >"$STUB_LOG_DIR/claude.env"',
        body,
        '',
      ].join('\n'),
    );
  }

  putObject(key: string, body: string | Buffer): void {
    const file = join(this.s3Dir, BUCKET, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  }

  objectPath(key: string): string {
    return join(this.s3Dir, BUCKET, key);
  }

  hasObject(key: string): boolean {
    return existsSync(this.objectPath(key));
  }

  readRecord(key: string): Record<string, unknown> {
    return JSON.parse(readFileSync(this.objectPath(key), 'utf8')) as Record<string, unknown>;
  }

  /** A record the entrypoint kept in the work directory (a worker's result.json). */
  readLocalRecord(path: string): Record<string, unknown> {
    return JSON.parse(readFileSync(join(this.workDir, path), 'utf8')) as Record<string, unknown>;
  }

  /** Every object key in the fake bucket. */
  objectKeys(): string[] {
    const base = join(this.s3Dir, BUCKET);
    if (!existsSync(base)) return [];
    return (readdirSync(base, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(base.length + 1))
      .sort();
  }

  log(name: 'aws.log' | 'aws.principals' | 'aws.configs' | 'claude.args' | 'claude.stdin' | 'claude.cwd' | 'claude.env' | 'claude.fullenv' | 'claude.uid' | 'claude.probe'): string {
    const file = join(this.logDir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  withEnv(overrides: Record<string, string | undefined>): Record<string, string> {
    const env = { ...this.env };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }

  run(overrides: Record<string, string | undefined> = {}): RunResult {
    const started = Date.now();
    const result = spawnSync('bash', [ENTRYPOINT], { env: this.withEnv(overrides), encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
  }

  /** Runs asynchronously; `onStdout` sees output as it arrives (with the child, to signal it). */
  runAsync(
    overrides: Record<string, string | undefined>,
    onStdout: (chunk: string, child: import('node:child_process').ChildProcess) => void,
  ): Promise<RunResult> {
    const started = Date.now();
    const child = spawn('bash', [ENTRYPOINT], { env: this.withEnv(overrides), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout(chunk, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    return new Promise((resolvePromise) => {
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  /** All text an observer could see: stdout, stderr, every uploaded JSON record, the agent log. */
  observableText(result: RunResult): string {
    const records = this.objectKeys()
      .filter((key) => key.endsWith('.json'))
      .map((key) => readFileSync(this.objectPath(key), 'utf8'));
    const logs = ['core', 'oi', 'worker-w1']
      .map((label) => join(this.workDir, label, '.fable', 'agent.log'))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'));
    return [result.stdout, result.stderr, ...records, ...logs].join('\n');
  }
}

/** Bash for a stub agent that does a successful core phase. */
export const CORE_SUCCESS = String.raw`
echo '{"type":"system","subtype":"init","session_id":"stub"}'
echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Writing the tool"}]}}'
mkdir -p project/tools/c-to-f
cat >project/tools/c-to-f/index.mjs <<'EOF'
export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ f: 212 }) });
EOF
cat >output.json <<'EOF'
{"status":"success","summary":"Built c-to-f","tools":[{"toolName":"c-to-f","description":"Celsius to Fahrenheit","path":"project/tools/c-to-f","inputSchema":{"type":"object"}}],"notes":"none"}
EOF
echo '{"type":"result","subtype":"success","is_error":false,"result":"done"}'
`;

/** Bash for a stub agent that does a successful oi phase (packages the tool into packages/; the entrypoint uploads it). */
export const OI_SUCCESS = String.raw`
test -f project/tools/c-to-f/index.mjs || { echo "core workspace was not restored" >&2; exit 9; }
test -f input/core-output.json || { echo "core output missing" >&2; exit 9; }
mkdir -p packages
tar -cf packages/c-to-f.zip -C project/tools/c-to-f index.mjs
cat >output.json <<EOF
{"status":"success","tools":[{"toolName":"c-to-f","schema":{"name":"c-to-f","description":"Celsius to Fahrenheit","inputSchema":{"type":"object","properties":{"c":{"type":"number"}},"required":["c"]}}}],"summary":"published"}
EOF
echo '{"type":"result","subtype":"success","is_error":false,"result":"published"}'
`;

/** True when a command exists on this machine's PATH. */
export function commandExists(command: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export const CORE_KEY = `builds/${BUILD_ID}/core-output.json`;
export const OI_KEY = `builds/${BUILD_ID}/oi-output.json`;
/** A worker's record stays in its workspace (the agent that starts it has no S3 access). */
export const WORKER_RESULT = 'worker-w1/result.json';
export const WORKSPACE_KEY = `builds/${BUILD_ID}/core-workspace.tar.gz`;

/** No fake credential value in stdout, stderr, any uploaded record or the agent log. */
export function expectNoSecrets(h: Harness, result: RunResult): void {
  const text = h.observableText(result);
  for (const value of Object.values(SECRETS)) {
    expect(text).not.toContain(value);
  }
}

export function expectFailureRecord(h: Harness, key: string, phase: string, error: RegExp): Record<string, unknown> {
  expect(h.hasObject(key)).toBe(true);
  const record = h.readRecord(key);
  expect(record).toMatchObject({ status: 'failed', phase, buildId: BUILD_ID });
  expect(typeof record.error).toBe('string');
  expect(record.error).toMatch(error);
  return record;
}

/** Runs a successful core phase so the fake bucket holds its output and workspace archive. */
export function runCore(h: Harness): RunResult {
  h.stubClaude(CORE_SUCCESS);
  const result = h.run();
  expect(result.code).toBe(0);
  return result;
}
