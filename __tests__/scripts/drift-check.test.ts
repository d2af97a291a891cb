import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDrift, renderDriftJson, renderDriftMarkdown } from '../../scripts/terraform-plan/drift';
import { loadPlan } from '../../scripts/terraform-plan/plan';
import { runScript } from '../helpers/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
const DRIFT = fixture('refresh-only-drift.json');

describe('drift-check on a refresh-only plan with resource_drift', () => {
  const plan = loadPlan(DRIFT);
  const drift = findDrift(plan);

  test('lists each out-of-band change: deletions first, changed attributes, secrets masked', () => {
    expect(drift.map((entry) => [entry.address, entry.action])).toEqual([
      ['aws_dynamodb_table.connections', 'delete'],
      ['aws_s3_bucket.artifacts', 'update'],
      ['aws_security_group.db', 'update'],
      ['aws_secretsmanager_secret_version.api_key', 'update'],
    ]);
    const markdown = renderDriftMarkdown('fable-dev', drift);
    expect(markdown.startsWith('<!-- fable-drift:fable-dev -->\n## Drift check: <code>fable-dev</code>\n')).toBe(true);
    expect(markdown).toContain('**4 resources changed outside Terraform.**');
    expect(markdown).toContain('| <code>aws_dynamodb_table.connections</code> | deleted outside Terraform | — |');
    expect(markdown).toContain(
      '| <code>aws_s3_bucket.artifacts</code> | changed outside Terraform | <code>tags.Owner</code>: <code>null</code> → <code>"someone-in-the-console"</code> |',
    );
    // A rule added to a set shows as that one element, not as the whole list.
    expect(markdown).toContain(
      '+ ingress[1] = {cidr_blocks = ["0.0.0.0/0"], from_port = 5432, protocol = "tcp", security_groups = [], to_port = 5432}',
    );
    expect(markdown).toContain('~ secret_string: (sensitive value) → (sensitive value)');
    expect(markdown).not.toContain('rotated-by-hand');
    expect(markdown).not.toContain('old-secret-value');
    expect(markdown).toContain('`terraform apply -refresh-only`');
  });

  test('the JSON report carries the same changes, secrets masked', () => {
    const report = JSON.parse(renderDriftJson('fable-dev', plan, drift));
    expect(report).toMatchObject({ stack: 'fable-dev', drift: true, terraform_version: '1.11.4' });
    expect(report.resources).toHaveLength(4);
    expect(report.resources[1]).toEqual({
      address: 'aws_s3_bucket.artifacts',
      type: 'aws_s3_bucket',
      action: 'update',
      attributes: [{ path: 'tags.Owner', before: null, after: 'someone-in-the-console' }],
    });
    expect(report.resources[3].attributes).toEqual([{ path: 'secret_string', before: '(sensitive value)', after: '(sensitive value)' }]);
    expect(JSON.stringify(report)).not.toContain('rotated-by-hand');
  });

  test('fits a size limit like the plan summary, leaving room for the footer the workflow appends', () => {
    const markdown = renderDriftMarkdown('fable-dev', drift, 900);
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(900);
    expect(markdown).toContain('**4 resources changed outside Terraform.**');
    expect(markdown).toMatch(/_… \d+ more resources left out to fit GitHub's size limit\._/);
    expect(Buffer.byteLength(renderDriftMarkdown('fable-dev', drift))).toBeLessThan(65_536 - 500);
  });

  test('CLI: Markdown on stdout, exit 2', async () => {
    const result = await runScript('drift-check', [DRIFT, '--stack', 'fable-dev']);
    expect(result).toEqual({ code: 2, stdout: renderDriftMarkdown('fable-dev', drift), stderr: '' });
  });

  test('CLI: --format json on stdout; --output and --json write files', async () => {
    const json = await runScript('drift-check', [DRIFT, '--stack', 'fable-dev', '--format', 'json']);
    expect(json).toEqual({ code: 2, stdout: renderDriftJson('fable-dev', plan, drift), stderr: '' });

    const dir = mkdtempSync(join(tmpdir(), 'fable-drift-out-'));
    try {
      const files = await runScript('drift-check', [DRIFT, '--output', join(dir, 'drift.md'), '--json', join(dir, 'drift.json')]);
      expect(files).toMatchObject({ code: 2, stdout: '' });
      // Without --stack the stack is named after the plan's directory.
      expect(readFileSync(join(dir, 'drift.md'), 'utf8')).toBe(renderDriftMarkdown('fixtures', drift));
      expect(readFileSync(join(dir, 'drift.json'), 'utf8')).toBe(renderDriftJson('fixtures', plan, drift));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drift-check errors', () => {
  test.each([
    ['a missing file', fixture('does-not-exist.json'), /plan JSON not found/],
    ['malformed JSON', fixture('malformed.json'), /is not valid JSON/],
    ['an unknown format_version', fixture('unknown-format-version.json'), /format_version "2\.0", which is not supported/],
  ])('%s: exit 1 with a message on stderr', async (_case, file, message) => {
    const result = await runScript('drift-check', [file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^drift-check: /);
    expect(result.stderr).toMatch(message);
  });

  test('a bad --format: exit 1 with the usage', async () => {
    const result = await runScript('drift-check', [DRIFT, '--format', 'yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('drift-check: --format must be markdown or json, not "yaml"');
    expect(result.stderr).toContain('Usage: npm run drift-check');
  });

  test('--stack without a synthesized stack directory: exit 1 before running terraform', async () => {
    const result = await runScript('drift-check', ['--stack', 'fable-nowhere'], { cwd: tmpdir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('drift-check: stack directory not found: cdktf.out/stacks/fable-nowhere (run `npm run synth` first)\n');
  });
});
