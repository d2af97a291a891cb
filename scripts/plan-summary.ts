import { join } from 'node:path';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, parseCliArgs, planInput, runCli, writeOutput } from './terraform-plan/cli';
import { loadPlan } from './terraform-plan/plan';
import { stackDir } from './terraform-plan/stack';
import { renderPlanSummary, summarizePlan } from './terraform-plan/summary';

const USAGE = `Usage: npm run plan-summary -- [<plan.json>] [--stack <name>] [--output <file>] [--fail-on-destructive]

Summarizes a saved Terraform plan as Markdown for a pull-request comment. Make the JSON with
  terraform plan -out tfplan && terraform show -json tfplan > plan.json

  <plan.json>            plan JSON to read (default with --stack: cdktf.out/stacks/<name>/plan.json)
  --stack <name>         the stack, for the title and the hidden <!-- fable-plan:<name> --> marker
                         (default: the name of the directory that holds <plan.json>)
  -o, --output <file>    write the Markdown to <file> instead of stdout
  --fail-on-destructive  exit 1 instead of 2 when the plan deletes or replaces a resource
  -h, --help             show this help

Exit codes:
  0  nothing is deleted or replaced
  2  the plan deletes or replaces at least one resource (the summary is still written)
  1  error: bad arguments, missing file, invalid JSON, unsupported format_version;
     or a destructive change with --fail-on-destructive
`;

runCli('plan-summary', USAGE, (argv) => {
  const { values, positionals } = parseCliArgs(argv, {
    stack: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'fail-on-destructive': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  const input = planInput(positionals, values.stack);
  const summary = summarizePlan(loadPlan(input.file ?? join(stackDir(input.stack), 'plan.json')));
  writeOutput(renderPlanSummary(summary, input.stack), values.output);
  if (!summary.destructive) return EXIT_OK;
  return values['fail-on-destructive'] ? EXIT_ERROR : EXIT_CHANGES;
});
