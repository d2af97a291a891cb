import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SslMode } from './settings';

/**
 * The Amazon CA certificates (RDS included) that the Lambda Node.js runtime ships. Since the
 * Node.js 20 runtime, Lambda no longer loads them by default (that took NODE_EXTRA_CA_CERTS), so
 * the connection is given them explicitly.
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/**
 * pg's `ssl` option for a mode. verify-full checks the chain against the bundle and the host
 * name (Node's default checkServerIdentity, against DB_HOST); it is never downgraded.
 */
export function tlsOptions(mode: SslMode, caBundlePath: string = LAMBDA_CA_BUNDLE): false | ConnectionOptions {
  if (mode === 'disable') return false;
  let ca: string;
  try {
    ca = readFileSync(caBundlePath, 'utf8');
  } catch {
    throw new Error(`DB_SSL=verify-full needs the RDS CA bundle at ${caBundlePath}, which is not readable.`);
  }
  return { rejectUnauthorized: true, ca };
}
