/**
 * Jest transform: TypeScript (and the few ESM-only packages tests load) to CommonJS with
 * esbuild, the compiler the Lambdas are bundled with. No type-checking here: `npm run typecheck`
 * does that, and `npm test` runs it first.
 */
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node24',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
