import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { driftMarker } from '../../scripts/terraform-plan/drift';
import { planMarker } from '../../scripts/terraform-plan/summary';
import { PROJECT_ROOT } from '../helpers/cli';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: Record<string, unknown> } }>;
}

const packageScripts: Record<string, string> = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;
const load = (name: string): Workflow => parse(readFileSync(join(PROJECT_ROOT, '.github', 'workflows', name), 'utf8'));
const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = (workflow: Workflow) => steps(workflow).flatMap((step) => (step.run ? [step.run] : []));

/** Every npm script a run block calls: `npm run <name>` (flags allowed before the name) and `npm test`. */
function npmScripts(run: string): string[] {
  const named = [...run.matchAll(/\bnpm run(?:\s+-{1,2}[\w-]+)*\s+([\w:.-]+)/g)].map((match) => match[1]);
  return /\bnpm (?:test|t)\b/.test(run) ? [...named, 'test'] : named;
}

/** Files a command runs: paths ending in a script extension. */
function scriptFiles(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)((?:\.\/)?[\w./-]+\.(?:ts|js|mjs|cjs|sh))\b/g)].map((match) => match[1]);
}

describe.each(['plan.yml', 'drift.yml'])('.github/workflows/%s', (file) => {
  const workflow = load(file);

  test('every npm script it runs exists, and so does every file those scripts and its steps run', () => {
    const used = runs(workflow).flatMap(npmScripts);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) {
      expect({ name, defined: name in packageScripts }).toEqual({ name, defined: true });
      for (const path of scriptFiles(packageScripts[name])) {
        expect({ path, exists: existsSync(join(PROJECT_ROOT, path)) }).toEqual({ path, exists: true });
      }
    }
    for (const path of runs(workflow).flatMap(scriptFiles)) {
      expect({ path, exists: existsSync(join(PROJECT_ROOT, path)) }).toEqual({ path, exists: true });
    }
  });

  test('actions are pinned to at least a major version', () => {
    for (const step of steps(workflow).filter((candidate) => candidate.uses)) {
      expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  test('AWS access is through the OIDC plan role from repository variables, with Terraform 1.11', () => {
    expect(workflow.permissions).toMatchObject({ 'id-token': 'write', contents: 'read' });
    const aws = steps(workflow).filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws.length).toBeGreaterThan(0);
    for (const step of aws) {
      expect(step.with).toEqual({ 'role-to-assume': '${{ vars.FABLE_PLAN_ROLE_ARN }}', 'aws-region': '${{ vars.AWS_REGION }}' });
    }
    for (const step of steps(workflow).filter((candidate) => candidate.uses?.startsWith('hashicorp/setup-terraform@'))) {
      expect(step.with).toMatchObject({ terraform_version: '~1.11.0', terraform_wrapper: false });
    }
    const synth = steps(workflow).find((step) => step.run === 'npm run synth') as Step & { env?: Record<string, string> };
    expect(synth.env).toEqual({ FABLE_STATE_BUCKET: '${{ vars.FABLE_STATE_BUCKET }}' });
  });

  test('synthesizes the prebuilt-image path, tagged with the build context hash, so no plan depends on a local Docker engine', () => {
    const all = steps(workflow);
    const tagStep = all.findIndex((step) => step.run === 'echo "FABLE_BUILD_IMAGE_TAG=$(npm run -s image-tag)" >> "$GITHUB_ENV"');
    const synthStep = all.findIndex((step) => step.run === 'npm run synth');
    expect(tagStep).toBeGreaterThanOrEqual(0);
    expect(tagStep).toBeLessThan(synthStep);
  });
});

describe('plan.yml', () => {
  const workflow = load('plan.yml');
  const script = steps(workflow).map((step) => [step.run ?? '', String(step.with?.script ?? '')].join('\n')).join('\n');

  test('runs on pull requests, one at a time per PR, and may comment', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read', 'pull-requests': 'write' });
    expect(workflow.concurrency).toEqual({ group: 'terraform-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  });

  test('plans every stack with -lock=false, summarizes it, and keeps one comment per stack by its marker', () => {
    expect(workflow.jobs.plan.strategy?.matrix.stack).toBe('${{ fromJSON(needs.synth.outputs.stacks) }}');
    expect(script).toContain('terraform plan -input=false -no-color -lock=false -out=tfplan');
    expect(script).toContain('terraform show -json tfplan > plan.json');
    expect(script).toContain('npm run plan-summary -- --stack "$STACK" --output plan-summary.md');
    // The marker the comment step looks for is the one plan-summary writes.
    expect(script).toContain(`const marker = \`${planMarker('${process.env.STACK}')}\`;`);
    expect(script).toContain('comment.body?.startsWith(marker)');
    expect(script).toContain('updateComment');
    expect(steps(workflow).some((step) => step.uses?.startsWith('actions/upload-artifact@') && String(step.with?.path).includes('plan.json'))).toBe(true);
  });
});

describe('drift.yml', () => {
  const workflow = load('drift.yml');
  const script = steps(workflow).map((step) => [step.run ?? '', String(step.with?.script ?? '')].join('\n')).join('\n');

  test('runs daily and on demand, and may write issues', () => {
    expect(workflow.on).toEqual({ schedule: [{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }], workflow_dispatch: null });
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read', issues: 'write' });
  });

  test('checks every stack and opens or updates one drift-labelled issue per stack on exit 2', () => {
    expect(workflow.jobs.drift.strategy?.matrix.stack).toBe('${{ fromJSON(needs.synth.outputs.stacks) }}');
    expect(script).toContain('npm run drift-check -- --stack "$STACK" --output drift.md --json drift.json');
    expect(script).toContain('if [ "$code" -eq 1 ]; then exit 1; fi');
    expect(script).toContain(`const marker = \`${driftMarker('${stack}')}\`;`);
    expect(script).toContain(`const marker = \`${driftMarker('${process.env.STACK}')}\`;`);
    expect(script).toContain("labels: ['drift']");
    const issueStep = steps(workflow).find((step) => String(step.with?.script ?? '').includes('issues.create')) as Step & { if?: string };
    expect(issueStep.if).toBe("steps.drift.outputs.exit-code == '2'");
  });
});
