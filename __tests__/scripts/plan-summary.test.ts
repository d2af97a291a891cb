import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan, type Plan, type ResourceChange } from '../../scripts/terraform-plan/plan';
import { renderPlanSummary, summarizePlan } from '../../scripts/terraform-plan/summary';
import { GITHUB_COMMENT_LIMIT } from '../../scripts/terraform-plan/truncate';
import { runScript } from '../helpers/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
const bytes = (text: string) => Buffer.byteLength(text);

describe('plan-summary on hand-written plans of AWS resources', () => {
  test('an aws_rds_cluster replacement is called out first as a stateful warning; exit 2', async () => {
    const summary = summarizePlan(loadPlan(fixture('rds-cluster-replace.json')));
    // The no-op bucket and the data-source read are not changes.
    expect(summary.entries.map((entry) => [entry.address, entry.action])).toEqual([
      ['aws_rds_cluster.aurora', 'replace'],
      ['aws_rds_cluster_instance.writer', 'update'],
    ]);
    expect(summary.counts).toEqual({ create: 0, update: 1, replace: 1, delete: 0, forget: 0 });

    const markdown = renderPlanSummary(summary, 'fable-dev');
    const warning = markdown.indexOf('### ⚠️ Stateful resources replaced or deleted');
    expect(warning).toBeGreaterThan(markdown.indexOf('| 0 | 1 | 1 | 0 |'));
    expect(warning).toBeLessThan(markdown.indexOf('### Changes'));
    expect(markdown).toContain('> [!CAUTION]');
    expect(markdown).toContain('- **replace** <code>aws_rds_cluster.aurora</code> — forced by <code>database_name</code>\n');
    expect(markdown).toContain('<code>database_name</code>: <code>"fable"</code> → <code>"fable_v2"</code> **(forces replacement)**');
    // A value that becomes sensitive is hidden on both sides; a sensitive value that does not change is not listed.
    expect(markdown).toContain('~ master_user_secret: (sensitive value) → (sensitive value)');
    expect(markdown).not.toContain('secret_arn');
    expect(markdown).not.toContain('fable_admin');
    expect(markdown).toContain('~ promotion_tier: 0 → 1');

    const result = await runScript('plan-summary', [fixture('rds-cluster-replace.json'), '--stack', 'fable-dev']);
    expect(result).toEqual({ code: 2, stdout: markdown, stderr: '' });
  });

  test('an aws_dynamodb_table delete is a stateful warning; the IAM policy delete is destructive but not stateful', async () => {
    const summary = summarizePlan(loadPlan(fixture('dynamodb-table-delete.json')));
    expect(summary.statefulDestructive.map((entry) => entry.address)).toEqual(['aws_dynamodb_table.tools']);
    const markdown = renderPlanSummary(summary, 'fable-prod');
    expect(markdown).toContain('**⛔ This plan deletes or replaces 2 resources.**');
    expect(markdown).toContain('- **delete** <code>aws_dynamodb_table.tools</code> (<code>delete_because_no_resource_config</code>)\n');
    expect(markdown).not.toContain('- **delete** <code>aws_iam_role_policy.tools_access</code>');
    expect(markdown).toContain('| <code>aws_iam_role_policy.tools_access</code> | delete | — |');
    expect(markdown).toContain('- billing_mode = "PAY_PER_REQUEST"');

    const result = await runScript('plan-summary', [fixture('dynamodb-table-delete.json'), '--stack', 'fable-prod', '--fail-on-destructive']);
    expect(result).toEqual({ code: 1, stdout: markdown, stderr: '' });
  });

  describe('a plan too large for one GitHub comment', () => {
    let dir: string;
    let planPath: string;

    /** 40 bucket deletions and 1,500 policy updates, each with a long policy document. */
    function largePlan(): Plan & { planned_values: object } {
      const policy = (version: number) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: `arn:aws:dynamodb:us-west-2:123456789012:table/t-${version}-${'x'.repeat(300)}` }],
        });
      const buckets: ResourceChange[] = Array.from({ length: 40 }, (_, index) => ({
        address: `aws_s3_bucket.bucket_${index}`,
        type: 'aws_s3_bucket',
        change: { actions: ['delete'], before: { bucket: `fable-bucket-${index}` }, after: null, before_sensitive: {}, after_sensitive: false, after_unknown: {} },
      }));
      const policies: ResourceChange[] = Array.from({ length: 1500 }, (_, index) => ({
        address: `aws_iam_policy.policy_${index}`,
        type: 'aws_iam_policy',
        change: { actions: ['update'], before: { policy: policy(1) }, after: { policy: policy(2) }, before_sensitive: {}, after_sensitive: {}, after_unknown: {} },
      }));
      return { format_version: '1.2', terraform_version: '1.11.4', planned_values: {}, resource_changes: [...policies, ...buckets], resource_drift: [] };
    }

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fable-large-plan-'));
      planPath = join(dir, 'plan.json');
      writeFileSync(planPath, JSON.stringify(largePlan()));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('drops the full list first, then table rows, keeps every stateful warning, and says so', async () => {
      const summary = summarizePlan(loadPlan(planPath));
      const markdown = renderPlanSummary(summary, 'fable-dev');
      expect(bytes(markdown)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(markdown.startsWith('<!-- fable-plan:fable-dev -->\n')).toBe(true);
      expect(markdown).toContain('| 0 | 1500 | 0 | 40 |');
      expect(markdown.match(/^- \*\*delete\*\* <code>aws_s3_bucket\.bucket_\d+<\/code>/gm)).toHaveLength(40);
      // Deletions lead the table, so the rows that survive truncation are the most consequential ones.
      expect(markdown).toContain('| Resource | Action | Changed attributes |\n|---|---|---|\n| <code>aws_s3_bucket.bucket_0</code> | delete |');
      expect(markdown).toMatch(/\n_… \d+ more rows left out to fit GitHub's size limit\._\n/);
      expect(markdown).toContain("_… 1540 more resources left out to fit GitHub's size limit._");
      expect(markdown).toContain('</details>');
      expect(markdown.endsWith('Generated by <code>npm run plan-summary</code>.</sub>\n')).toBe(true);
      // The policy documents are compared as JSON, down to the statement that changes.
      expect(markdown).toContain('<code>policy.Statement[0].Resource</code>: <code>"arn:aws:dynamodb:us-west-2:123456789012:table/t-1-xxxxxxxx…</code>');

      const result = await runScript('plan-summary', [planPath, '--stack', 'fable-dev']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe(markdown);
    });

    test('under a tighter limit the stateful warnings are cut last, with a note', () => {
      const markdown = renderPlanSummary(summarizePlan(loadPlan(planPath)), 'fable-dev', 2_000);
      expect(bytes(markdown)).toBeLessThanOrEqual(2_000);
      expect(markdown).toContain('| 0 | 1500 | 0 | 40 |');
      expect(markdown).toMatch(/- \*\*delete\*\* <code>aws_s3_bucket\.bucket_0<\/code>\n/);
      expect(markdown).toMatch(/\n_… \d+ more left out to fit GitHub's size limit\._\n/);
      expect(markdown).toContain("_… 1540 more rows left out to fit GitHub's size limit._");
    });
  });
});

describe('plan-summary errors and usage', () => {
  test.each([
    ['a missing file', 'does-not-exist.json', /plan JSON not found: .*does-not-exist\.json/],
    ['malformed JSON', 'malformed.json', /malformed\.json is not valid JSON/],
    ['an unknown format_version', 'unknown-format-version.json', /format_version "2\.0", which is not supported \(supported: 1\.x\)/],
  ])('%s: exit 1 with a message on stderr and nothing on stdout', async (_case, file, message) => {
    const result = await runScript('plan-summary', [fixture(file)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^plan-summary: .*${message.source}`));
    expect(result.stderr).not.toContain('    at '); // no stack trace
  });

  test('neither a file nor --stack, or a bad option: exit 1 with the usage', async () => {
    // The other argument checks are unit-tested in terraform-plan/cli.test.ts.
    for (const args of [[], ['--nope']]) {
      const result = await runScript('plan-summary', args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Usage: npm run plan-summary');
    }
  });

  test('--stack without a synthesized stack directory: exit 1', async () => {
    const result = await runScript('plan-summary', ['--stack', 'fable-nowhere'], { cwd: tmpdir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stack directory not found: cdktf.out/stacks/fable-nowhere (run `npm run synth` first)');
  });

  test('--help documents the exit codes and exits 0', async () => {
    const result = await runScript('plan-summary', ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--fail-on-destructive');
    expect(result.stdout).toMatch(/^ {2}2 {2}the plan deletes or replaces at least one resource/m);
  });

  test('writes to --output and keeps stdout empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fable-summary-out-'));
    try {
      const out = join(dir, 'summary.md');
      const result = await runScript('plan-summary', [fixture('rds-cluster-replace.json'), '--output', out]);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      // Without --stack the stack is named after the plan's directory.
      expect(readFileSync(out, 'utf8').startsWith('<!-- fable-plan:fixtures -->')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
