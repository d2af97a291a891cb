import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { emulatorDirectory } from './emulator';

/** Name of the global through which the jest environment hands test files its worker's engine. */
export const WORKER_ENGINE_GLOBAL = '__fableDynamoLocalEndpoint';

export interface DynamoLocalEngine {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const MINIMUM_JAVA = 17;
const START_TIMEOUT_MS = 90_000;
const LAUNCHER = join(__dirname, 'LoopbackDynamoDBLocal.java');

let workerEngine: Promise<DynamoLocalEngine> | undefined;

/** This process's engine, started on first use and stopped when the process exits. */
export function sharedEngineEndpoint(): Promise<string> {
  workerEngine ??= startEngine();
  return workerEngine.then((engine) => engine.endpoint);
}

/** Start DynamoDB Local on Java (in memory, 127.0.0.1, a free port). */
export async function startEngine(): Promise<DynamoLocalEngine> {
  requireJava();
  const emulator = await emulatorDirectory();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      // A short-lived test engine: quick start-up matters more than peak speed.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xmx512m',
      '-cp',
      join(emulator, 'DynamoDBLocal.jar'),
      LAUNCHER,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    const port = await listeningPort(child);
    // Jest (and a script) may exit while the engine runs: nothing here keeps the event loop alive.
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
    child.unref();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        process.off('exit', kill);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // Held again, or the caller's process could end before the engine did.
        child.ref();
        child.stdin?.end();
        await exited;
      },
    };
  } catch (error) {
    process.off('exit', kill);
    kill();
    throw error;
  }
}

/** Resolve with the port the launcher prints; reject with its output if it exits or hangs first. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`DynamoDB Local did not start: ${reason}\n${stderr.slice(-4000)}${stdout.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`no port after ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    // Both streams are read to the end, so the engine never blocks on a full pipe.
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-8000);
      const match = /^LISTENING (\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`java exited (${signal ?? `code ${code}`})`));
  });
}

/** Fail with the fix when Java is missing or too old (DynamoDB Local 1.25 needs 17 here). */
function requireJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`);
  const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : undefined;
  if (major !== undefined && major >= MINIMUM_JAVA) return;
  const found = probe.error ? 'no `java` on PATH' : `Java ${major ?? 'of unknown version'}`;
  throw new Error(
    `The DynamoDB tests run DynamoDB Local, which needs Java ${MINIMUM_JAVA} or newer; found ${found}. ` +
      'On Debian: apt-get install openjdk-17-jre-headless (.ci/run installs it).',
  );
}
