import { resourcesOf, synthApp, type StackJson } from '../helpers/synth';

let stacks: Record<string, StackJson>;

beforeAll(async () => {
  stacks = await synthApp(['dev', 'prod']);
});

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];
const stages = ['dev', 'prod'];

/** The Terraform address a `${type.name.attr}` reference points at. */
const refersTo = (reference: string, type: string, name: string) => reference.startsWith(`\${${type}.${name}.`);

describe.each(stages)('security baseline of fable-%s', (stage) => {
  const stack = () => stacks[`fable-${stage}`];

  it('has no security group ingress from the internet', () => {
    const ingress = [
      ...resourcesOf(stack(), 'aws_vpc_security_group_ingress_rule').map((r) => [r.cidr_ipv4, r.cidr_ipv6]),
      ...resourcesOf(stack(), 'aws_security_group_rule').filter((r) => r.type === 'ingress').map((r) => r.cidr_blocks ?? []),
      ...resourcesOf(stack(), 'aws_security_group').flatMap((g) => (g.ingress ?? []).map((i: any) => i.cidr_blocks ?? [])),
    ].flat();
    expect(ingress.filter((cidr) => OPEN_CIDRS.includes(cidr))).toEqual([]);
  });

  it('leaves the default security group without rules', () => {
    const [defaultGroup] = resourcesOf(stack(), 'aws_default_security_group');
    expect(defaultGroup.ingress).toEqual([]);
    expect(defaultGroup.egress).toEqual([]);
  });

  it('gives the isolated subnets no route to the internet', () => {
    const tables = Object.entries(stack().resource.aws_route_table);
    const isolatedTables = tables.filter(([, t]) => String(t.tags.Name).endsWith('-isolated')).map(([name]) => name);
    expect(isolatedTables).toHaveLength(1);
    const [isolated] = isolatedTables;
    expect(stack().resource.aws_route_table[isolated].route).toBeUndefined();
    const routes = resourcesOf(stack(), 'aws_route').filter((r) => refersTo(r.route_table_id, 'aws_route_table', isolated));
    expect(routes).toEqual([]);
    const isolatedSubnets = Object.entries(stack().resource.aws_subnet).filter(([, s]) => s.tags.Tier === 'isolated').map(([n]) => n);
    const associations = resourcesOf(stack(), 'aws_route_table_association').filter((a) =>
      isolatedSubnets.some((subnet) => refersTo(a.subnet_id, 'aws_subnet', subnet)),
    );
    expect(associations).toHaveLength(2);
    expect(associations.every((a) => refersTo(a.route_table_id, 'aws_route_table', isolated))).toBe(true);
  });

  it('keeps Aurora private and encrypted', () => {
    for (const instance of resourcesOf(stack(), 'aws_rds_cluster_instance')) expect(instance.publicly_accessible).toBe(false);
    for (const cluster of resourcesOf(stack(), 'aws_rds_cluster')) expect(cluster.storage_encrypted).toBe(true);
  });

  it('has no literal password anywhere in the Terraform JSON', () => {
    // A reference such as `${data.aws_ecr_authorization_token.x.password}` is resolved at apply, never stored here.
    const isReference = (value: string) => /^\$\{[^}]+\}$/.test(value);
    const literals: string[] = [];
    const walk = (value: unknown, key: string) => {
      if (Array.isArray(value)) value.forEach((v) => walk(v, key));
      else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => walk(v, k));
      else if (/password/i.test(key) && typeof value === 'string' && !isReference(value)) literals.push(`${key}=${value}`);
    };
    walk(stack(), '');
    expect(literals).toEqual([]);
  });

  it('blocks all public access and denies non-TLS requests on every bucket', () => {
    const buckets = Object.keys(stack().resource.aws_s3_bucket);
    expect(buckets.length).toBeGreaterThan(0);
    for (const bucket of buckets) {
      const block = resourcesOf(stack(), 'aws_s3_bucket_public_access_block').find((b) => refersTo(b.bucket, 'aws_s3_bucket', bucket));
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      const policy = resourcesOf(stack(), 'aws_s3_bucket_policy').find((p) => refersTo(p.bucket, 'aws_s3_bucket', bucket));
      expect(JSON.parse(policy!.policy).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('has point-in-time recovery on every DynamoDB table but connections', () => {
    for (const table of resourcesOf(stack(), 'aws_dynamodb_table')) {
      expect(table.point_in_time_recovery.enabled).toBe(!table.name.endsWith('-connections'));
    }
  });
});
