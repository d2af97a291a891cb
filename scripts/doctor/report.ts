import type { CheckResult, Status } from './result';

const FIX_INDENT = ' '.repeat(6);

/** `PASS  name: detail`, then the fix steps indented under it. */
export function formatResult(result: CheckResult): string {
  const lines = [`${result.status.padEnd(4)}  ${result.name}: ${result.detail}`];
  result.fix.forEach((step, index) => lines.push(`${FIX_INDENT}${index === 0 ? 'fix: ' : '     '}${step}`));
  return `${lines.join('\n')}\n`;
}

/** Only a FAIL fails the run: a WARN is for a person to read, a SKIP follows from a FAIL. */
export function exitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.some((result) => result.status === 'FAIL') ? 1 : 0;
}

export function summary(results: readonly CheckResult[]): string {
  const count = (status: Status) => results.filter((result) => result.status === status).length;
  const counts = [`${count('PASS')} passed`, `${count('WARN')} warned`, `${count('FAIL')} failed`, `${count('SKIP')} skipped`].join(', ');
  return exitCode(results) === 0
    ? `${counts}: ready for \`cdktf deploy\``
    : `${counts}: fix each FAIL above, then run \`npm run doctor\` again before \`cdktf deploy\``;
}
