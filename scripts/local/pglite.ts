import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';

/**
 * A real PostgreSQL (PGlite: PostgreSQL 18 compiled to WebAssembly) with pgvector, served over
 * TCP on 127.0.0.1 by pglite-socket's PGLiteSocketServer, so the `pg` driver talks to it as it
 * talks to Aurora, minus TLS. Start one per test file (startup takes a few seconds) and stop it
 * in afterAll.
 *
 * The server runs in a child Node process: PGlite loads its WebAssembly through dynamic
 * `import()`, which Jest's module sandbox cannot run, and a separate process also keeps the
 * synchronous WebAssembly work off the test's event loop (and on the second core).
 *
 * pglite-socket multiplexes connections onto PGlite's single session: statements are queued,
 * and while one connection is inside a transaction the others wait for it to end.
 */
export interface PgliteServer {
  readonly host: string;
  readonly port: number;
  /** The DB_* variables a database Lambda needs to reach this server (TLS off). */
  readonly env: { DB_HOST: string; DB_PORT: string; DB_NAME: string; DB_SSL: 'disable' };
  /** A connected pg client for setup and assertions; ended by stop(). */
  client(): Promise<Client>;
  stop(): Promise<void>;
}

/** The user and database PGlite accepts (any password works). */
export const PGLITE_USER = 'postgres';
export const PGLITE_DATABASE = 'postgres';

const PROJECT_ROOT = join(__dirname, '..', '..');

/** One template per PGlite and pgvector version, so an upgrade never loads an old data directory. */
function templatePath(): string {
  const version = (name: string) =>
    (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return join(tmpdir(), `fable-pglite-${version('@electric-sql/pglite')}-pgvector-${version('@electric-sql/pglite-pgvector')}.tar`);
}

/**
 * Runs in the child. initdb is most of PGlite's startup, so the first server dumps its fresh
 * data directory to a template file and later ones load it (written to a temporary name and
 * renamed, so concurrent test files never read half a template).
 */
const SERVER_SCRIPT = `
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
const template = process.env.PGLITE_TEMPLATE;
let db;
if (existsSync(template)) {
  db = await PGlite.create({ extensions: { vector }, loadDataDir: new Blob([readFileSync(template)]) });
} else {
  db = await PGlite.create({ extensions: { vector } });
  const partial = template + '.' + process.pid;
  writeFileSync(partial, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  renameSync(partial, template);
}
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: Number(process.env.PGLITE_MAX_CONNECTIONS) });
await server.start();
process.stdout.write('LISTENING ' + server.getServerConn() + '\\n');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
// The parent closing our stdin (it exited or crashed) stops the server too.
process.stdin.on('end', stop);
process.stdin.resume();
`;

export async function startPglite(options: { maxConnections?: number } = {}): Promise<PgliteServer> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PGLITE_MAX_CONNECTIONS: String(options.maxConnections ?? 8), PGLITE_TEMPLATE: templatePath() },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const address = await listeningAddress(child);
  const [host, portText] = address.split(':');
  const port = Number(portText);
  const clients: Client[] = [];
  return {
    host,
    port,
    env: { DB_HOST: host, DB_PORT: portText, DB_NAME: PGLITE_DATABASE, DB_SSL: 'disable' },
    async client() {
      const client = new Client({ host, port, user: PGLITE_USER, password: 'test', database: PGLITE_DATABASE });
      await client.connect();
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) => reject(new Error(`PGlite server exited (${code}) before listening`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const match = /^LISTENING (\S+)$/.exec(line);
      if (!match) return;
      child.off('exit', onExit);
      lines.close();
      resolve(match[1]);
    });
  });
}
