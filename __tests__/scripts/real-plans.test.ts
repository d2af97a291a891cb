import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDrift, renderDriftMarkdown } from '../../scripts/terraform-plan/drift';
import { loadPlan } from '../../scripts/terraform-plan/plan';
import { renderPlanSummary, summarizePlan } from '../../scripts/terraform-plan/summary';
import { runScript } from '../helpers/cli';
import { describeIfTerraform, realPlan, terraform, type Scenario } from '../helpers/terraform';

const ONE = 'resource "terraform_data" "app" {\n  input = "v1"\n}\n';

describeIfTerraform('plan-summary and drift-check on real Terraform plans', () => {
  let root: string;
  const plans: Record<string, string> = {};

  // All fixtures are made once, side by side: each takes a few terraform runs.
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fable-plans-'));
    const replaced = (trigger: string) => `resource "terraform_data" "app" {\n  input = "same"\n  triggers_replace = ["${trigger}"]\n}\n`;
    const scenarios: Record<string, Scenario> = {
      noop: { applied: ONE, planned: ONE },
      creates: {
        planned: 'resource "terraform_data" "a" {\n  input = "hello"\n}\nresource "terraform_data" "b" {\n  input = { name = "b", size = 2 }\n}\n',
      },
      update: { applied: ONE, planned: ONE.replace('"v1"', '"v2"') },
      replace: { applied: replaced('one'), planned: replaced('two') },
      delete: { applied: `${ONE}resource "terraform_data" "old" {\n  input = "bye"\n}\n`, planned: ONE },
      sensitive: {
        planned:
          'variable "token" {\n  type = string\n  sensitive = true\n  default = "hunter2-do-not-print"\n}\n' +
          'resource "terraform_data" "secret" {\n  input = var.token\n}\n',
      },
      forget: { applied: ONE, planned: 'removed {\n  from = terraform_data.app\n  lifecycle {\n    destroy = false\n  }\n}\n' },
      refreshOnly: { applied: ONE, planned: ONE, flags: ['-refresh-only'] },
    };
    await Promise.all(Object.entries(scenarios).map(async ([name, scenario]) => (plans[name] = await realPlan(join(root, name), scenario))));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The CLI prints exactly what the modules render, and reports through its exit code. */
  async function cliSummary(plan: string, markdown: string, args: string[] = []) {
    const result = await runScript('plan-summary', [plan, ...args]);
    expect(result.stdout).toBe(markdown);
    return result.code;
  }

  test('no-op plan: no changes, exit 0', async () => {
    const summary = summarizePlan(loadPlan(plans.noop));
    expect(summary.entries).toEqual([]);
    expect(summary.destructive).toBe(false);
    const markdown = renderPlanSummary(summary, 'noop');
    expect(markdown.startsWith('<!-- fable-plan:noop -->\n')).toBe(true);
    expect(markdown).toContain('| 0 | 0 | 0 | 0 |');
    expect(markdown).toContain('**No changes.**');
    expect(markdown).not.toContain('<details>');
    expect(await cliSummary(plans.noop, markdown)).toBe(0);
  });

  test('creates only: counted, listed with known and unknown-after-apply values, exit 0', async () => {
    const summary = summarizePlan(loadPlan(plans.creates));
    expect(summary.counts).toEqual({ create: 2, update: 0, replace: 0, delete: 0, forget: 0 });
    const markdown = renderPlanSummary(summary, 'creates');
    expect(markdown).toContain('| 2 | 0 | 0 | 0 |');
    expect(markdown).toContain('| <code>terraform_data.a</code> | create | <code>id</code> = <code>(known after apply)</code><br><code>input</code> = <code>"hello"</code>');
    expect(markdown).toContain('<code>input.name</code> = <code>"b"</code><br><code>input.size</code> = <code>2</code>');
    expect(markdown).toContain('+ output = (known after apply)');
    expect(markdown).not.toContain('⛔');
    expect(await cliSummary(plans.creates, markdown)).toBe(0);
  });

  test('in-place update: before and after of the changed input, exit 0', async () => {
    const summary = summarizePlan(loadPlan(plans.update));
    expect(summary.counts.update).toBe(1);
    const markdown = renderPlanSummary(summary, 'update');
    expect(markdown).toContain(
      '| <code>terraform_data.app</code> | update | <code>input</code>: <code>"v1"</code> → <code>"v2"</code><br>' +
        '<code>output</code>: <code>"v1"</code> → <code>(known after apply)</code> |',
    );
    expect(markdown).toContain('~ input: "v1" → "v2"');
    expect(markdown).not.toContain('<code>id</code>');
    expect(await cliSummary(plans.update, markdown)).toBe(0);
  });

  test('replacement: flagged as destructive with the attribute that forces it, exit 2 (1 with --fail-on-destructive)', async () => {
    const summary = summarizePlan(loadPlan(plans.replace));
    expect(summary.counts.replace).toBe(1);
    expect(summary.destructive).toBe(true);
    // terraform_data holds no data: no stateful warning.
    expect(summary.statefulDestructive).toEqual([]);
    const markdown = renderPlanSummary(summary, 'replace');
    expect(markdown).toContain('**⛔ This plan deletes or replaces 1 resource.**');
    expect(markdown).toContain('<code>triggers_replace[0]</code>: <code>"one"</code> → <code>"two"</code> **(forces replacement)**');
    expect(markdown).toContain('<code>terraform_data.app</code> — **replace** (<code>replace_because_cannot_update</code>)');
    expect(markdown).not.toContain('Stateful resources');
    expect(await cliSummary(plans.replace, markdown)).toBe(2);
    expect(await cliSummary(plans.replace, markdown, ['--fail-on-destructive'])).toBe(1);
  });

  test('delete: counted and listed with the attributes that go, exit 2', async () => {
    const summary = summarizePlan(loadPlan(plans.delete));
    expect(summary.counts).toEqual({ create: 0, update: 0, replace: 0, delete: 1, forget: 0 });
    const markdown = renderPlanSummary(summary, 'delete');
    expect(markdown).toContain('| 0 | 0 | 0 | 1 |');
    expect(markdown).toContain('| <code>terraform_data.old</code> | delete | — |');
    expect(markdown).toContain('- input = "bye"');
    expect(markdown).toContain('(<code>delete_because_no_resource_config</code>)');
    expect(await cliSummary(plans.delete, markdown)).toBe(2);
  });

  test('sensitive value: masked as (sensitive value), never printed', async () => {
    const markdown = renderPlanSummary(summarizePlan(loadPlan(plans.sensitive)), 'sensitive');
    // The plan JSON itself carries the value (Terraform only marks it), so the masking is ours.
    expect(readFileSync(plans.sensitive, 'utf8')).toContain('hunter2-do-not-print');
    expect(markdown).toContain('<code>input</code> = <code>(sensitive value)</code>');
    expect(markdown).toContain('+ input = (sensitive value)');
    expect(markdown).not.toContain('hunter2');
    expect(await cliSummary(plans.sensitive, markdown)).toBe(0);
  });

  test('forget (a removed block with destroy = false): listed, but neither counted as a delete nor destructive', () => {
    const summary = summarizePlan(loadPlan(plans.forget));
    expect(summary.counts).toEqual({ create: 0, update: 0, replace: 0, delete: 0, forget: 1 });
    expect(summary.destructive).toBe(false);
    const markdown = renderPlanSummary(summary, 'forget');
    expect(markdown).toContain('1 resource will be removed from the state without being destroyed (`forget`).');
    expect(markdown).toContain('| <code>terraform_data.app</code> | forget | — |');
    expect(markdown).toContain('_Removed from the state; the object itself is kept._');
    expect(markdown).not.toContain('⛔');
  });

  test('refresh-only plan without drift: drift-check reports none and exits 0', async () => {
    const plan = loadPlan(plans.refreshOnly);
    expect(findDrift(plan)).toEqual([]);
    // Without --stack the stack is named after the plan's directory.
    const markdown = renderDriftMarkdown('refreshOnly', []);
    expect(markdown).toBe('<!-- fable-drift:refreshOnly -->\n## Drift check: <code>refreshOnly</code>\n\n**No drift.** The infrastructure matches the Terraform state.\n');
    const result = await runScript('drift-check', [plans.refreshOnly]);
    expect(result).toMatchObject({ code: 0, stdout: markdown });
    const json = await runScript('drift-check', [plans.refreshOnly, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ stack: 'refreshOnly', drift: false, terraform_version: plan.terraform_version, resources: [] });
  });

  test('drift-check --stack runs the refresh-only plan itself in cdktf.out/stacks/<stack>', async () => {
    const project = join(root, 'project');
    const dir = join(project, 'cdktf.out', 'stacks', 'fable-test');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), ONE);
    await terraform(dir, ['init', '-input=false']);
    await terraform(dir, ['apply', '-auto-approve', '-input=false']);

    const result = await runScript('drift-check', ['--stack', 'fable-test', '--json', 'drift.json'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(renderDriftMarkdown('fable-test', []));
    // Terraform's progress is on stderr, out of the report.
    expect(result.stderr).toContain('No changes');
    expect(JSON.parse(readFileSync(join(project, 'drift.json'), 'utf8'))).toMatchObject({ stack: 'fable-test', drift: false });
  });

  test('plan-summary --stack reads cdktf.out/stacks/<stack>/plan.json', async () => {
    const project = join(root, 'summary-project');
    const dir = join(project, 'cdktf.out', 'stacks', 'fable-dev');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'plan.json'), readFileSync(plans.update));

    const result = await runScript('plan-summary', ['--stack', 'fable-dev', '--output', 'summary.md'], { cwd: project });
    expect(result).toMatchObject({ code: 0, stdout: '' });
    const markdown = readFileSync(join(project, 'summary.md'), 'utf8');
    expect(markdown).toBe(renderPlanSummary(summarizePlan(loadPlan(plans.update)), 'fable-dev'));
    expect(markdown.startsWith('<!-- fable-plan:fable-dev -->')).toBe(true);
  });
});
