import { EXIT_CHANGES, EXIT_OK, parseCliArgs, planInput, runCli, writeOutput } from './terraform-plan/cli';
import { findDrift, renderDriftJson, renderDriftMarkdown } from './terraform-plan/drift';
import { UsageError } from './terraform-plan/errors';
import { loadPlan, parsePlan } from './terraform-plan/plan';
import { refreshOnlyPlanJson, stackDir } from './terraform-plan/stack';

const USAGE = `Usage: npm run drift-check -- [<refresh-plan.json>] [--stack <name>] [--format markdown|json]
                             [--output <file>] [--json <file>]

Reports resources changed outside Terraform (the plan's resource_drift).

  <refresh-plan.json>    read this plan JSON (terraform show -json of a refresh-only plan)
  --stack <name>         without a file: run, in cdktf.out/stacks/<name>,
                           terraform init, terraform plan -refresh-only -lock=false -out=drift.tfplan,
                           terraform show -json drift.tfplan
                         (Terraform's own output goes to stderr)
  --format <format>      markdown (default) or json, for stdout / --output
  -o, --output <file>    write the report to <file> instead of stdout
  --json <file>          also write the JSON report to <file>
  -h, --help             show this help

Exit codes (from the plan JSON, not from Terraform's -detailed-exitcode):
  0  no drift
  2  drift found
  1  error: bad arguments, missing file, invalid JSON, unsupported format_version, terraform failed
`;

runCli('drift-check', USAGE, (argv) => {
  const { values, positionals } = parseCliArgs(argv, {
    stack: { type: 'string' },
    format: { type: 'string', default: 'markdown' },
    output: { type: 'string', short: 'o' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (values.format !== 'markdown' && values.format !== 'json') {
    throw new UsageError(`--format must be markdown or json, not "${values.format}"`);
  }
  const input = planInput(positionals, values.stack);
  const plan = input.file
    ? loadPlan(input.file)
    : parsePlan(refreshOnlyPlanJson(stackDir(input.stack)), `the refresh-only plan of ${input.stack}`);
  const drift = findDrift(plan);
  const json = renderDriftJson(input.stack, plan, drift);
  if (values.json !== undefined) writeOutput(json, values.json);
  writeOutput(values.format === 'json' ? json : renderDriftMarkdown(input.stack, drift), values.output);
  return drift.length > 0 ? EXIT_CHANGES : EXIT_OK;
});
