// Local credential endpoint of the build agent (docker/build/entrypoint.sh starts it).
//
// Runs as the entrypoint's user, holding the task role's credentials, and serves the agent
// role's credentials (`fable-<stage>-build-agent`, session name = build id) on loopback in the
// format the AWS SDKs' and CLI's container-credentials provider reads
// (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN). The agent process
// gets only that URI and token, never the task role's credentials.
//
// Why a server and not credentials in the agent's environment: a role-chained session lasts at
// most one hour, and a phase may run longer. The SDKs re-read this endpoint shortly before the
// credentials they hold expire; the server assumes the role again once fewer than
// REFRESH_MARGIN_SECONDS remain, so the agent never holds an expired session.
//
// Environment: FABLE_AGENT_ROLE_ARN, FABLE_BUILD_ID (session name), FABLE_AGENT_TOKEN (removed
// from this process's environment at start), FABLE_CREDENTIALS_PORT_FILE (the chosen port is
// written there once the first session is held). The `aws` CLI on PATH does the AssumeRole.
import { execFile } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';

export const CREDENTIALS_PATH = '/agent-credentials';
const SESSION_SECONDS = 3600;
const REFRESH_MARGIN_SECONDS = 15 * 60;

const roleArn = process.env.FABLE_AGENT_ROLE_ARN ?? '';
const sessionName = process.env.FABLE_BUILD_ID ?? '';
const token = Buffer.from(process.env.FABLE_AGENT_TOKEN ?? '');
const portFile = process.env.FABLE_CREDENTIALS_PORT_FILE ?? '';
delete process.env.FABLE_AGENT_TOKEN;

if (!roleArn || !sessionName || token.length < 32 || !portFile) {
  console.error('[agent-credentials] FABLE_AGENT_ROLE_ARN, FABLE_BUILD_ID, FABLE_AGENT_TOKEN (32+ chars) and FABLE_CREDENTIALS_PORT_FILE are required');
  process.exit(2);
}

let current; // { AccessKeyId, SecretAccessKey, Token, Expiration }
let pending;

function assumeRole() {
  const args = ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', sessionName, '--duration-seconds', String(SESSION_SECONDS), '--output', 'json'];
  return new Promise((resolve, reject) => {
    execFile('aws', args, { timeout: 30_000 }, (error, stdout) => {
      if (error) return reject(new Error(`sts assume-role failed (exit ${error.code ?? error.signal})`));
      try {
        const c = JSON.parse(stdout).Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('incomplete');
        resolve({ AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken, Expiration: new Date(c.Expiration).toISOString() });
      } catch {
        reject(new Error('sts assume-role returned no usable credentials'));
      }
    });
  });
}

/** The held session, renewed when it is close to expiry (one AssumeRole at a time). */
function credentials() {
  const fresh = current && Date.parse(current.Expiration) - Date.now() > REFRESH_MARGIN_SECONDS * 1000;
  if (fresh) return Promise.resolve(current);
  pending ??= assumeRole()
    .then((c) => (current = c))
    .finally(() => (pending = undefined));
  return pending;
}

function authorized(header) {
  const given = Buffer.from(header ?? '');
  return given.length === token.length && timingSafeEqual(given, token);
}

const server = createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'GET' || req.url !== CREDENTIALS_PATH) return reply(404, { message: 'not found' });
  if (!authorized(req.headers.authorization)) return reply(401, { message: 'unauthorized' });
  credentials().then(
    (c) => reply(200, c),
    (error) => {
      console.error(`[agent-credentials] ${error.message}`);
      reply(502, { message: 'credentials unavailable' });
    },
  );
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));

// Fail fast: the endpoint is announced only once the agent role could be assumed.
credentials().then(
  () =>
    server.listen(0, '127.0.0.1', () => {
      writeFileSync(`${portFile}.tmp`, String(server.address().port), { mode: 0o600 });
      renameSync(`${portFile}.tmp`, portFile);
    }),
  (error) => {
    console.error(`[agent-credentials] ${error.message}`);
    process.exit(1);
  },
);
