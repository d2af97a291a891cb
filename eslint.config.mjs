// Lint rules that keep style from depending on review: typescript-eslint's recommended set,
// type-aware where it catches real bugs (floating promises, misused promises).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', '.gen/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Tests reach into synthesized JSON, which has no static type.
      '@typescript-eslint/no-explicit-any': 'off',
      // `require` of packages without ESM types (asl-validator, aws-local-stepfunctions' CJS build).
      '@typescript-eslint/no-require-imports': 'off',
      // `import { z }` binds zod's whole namespace object, so esbuild keeps all of zod (about
      // 350 KiB more per Lambda); `import * as z` lets it drop what no schema uses.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from 'zod'`: the named `z` defeats tree-shaking.",
        },
      ],
    },
  },
  {
    // Test doubles return promises where the mocked signature says void (jest spies, handlers).
    files: ['__tests__/**/*.ts'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
