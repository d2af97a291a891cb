import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Run the real synth command (main.ts through tsx, as `npm run synth` does) into a fresh outdir. */
function synthInto(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'fable-determinism-'));
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['main.ts'], {
    cwd: ROOT,
    // The bundle cache is off so both runs really bundle: the zips must match byte for byte on their own.
    env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify({ stages: ['dev', 'prod'] }), FABLE_BUNDLE_CACHE: 'off' },
    stdio: 'pipe',
  });
  return outdir;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('synth determinism', () => {
  it('writes byte-identical Terraform JSON and Lambda zips on two synths of the same tree', () => {
    const first = synthInto();
    const second = synthInto();
    const compared = files(first)
      .filter((f) => f.endsWith('cdk.tf.json') || f.endsWith('.zip'))
      .map((f) => relative(first, f))
      .sort();
    expect(compared).toEqual(expect.arrayContaining(['stacks/fable-dev/cdk.tf.json', 'stacks/fable-prod/cdk.tf.json', 'stacks/fable-bootstrap/cdk.tf.json']));
    expect(compared.filter((f) => f.endsWith('.zip')).length).toBeGreaterThanOrEqual(8);
    for (const file of compared) {
      expect({ file, same: readFileSync(join(first, file)).equals(readFileSync(join(second, file))) }).toEqual({ file, same: true });
    }
  });
});
