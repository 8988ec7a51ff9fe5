// Lint rules. The workflow override enforces Temporal's determinism sandbox at edit time:
// workflow code may not reach Node built-ins, the database driver, or activity code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'tools/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic sandboxes: no Node built-ins. Do I/O in an activity.' })),
            { name: 'mongodb', message: 'Workflows never touch the database; call an activity.' },
          ],
          patterns: [
            {
              group: ['**/activities/*', '!**/activities/index.js'],
              message: 'Import activity types from activities/index.js with `import type`, never implementations.',
            },
            { group: ['**/store/*', '**/server/*', '**/ingest/*'], message: 'Workflows may not import I/O code.' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/index.js'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (proxyActivities<typeof …>).',
            },
          ],
        },
      ],
    },
  },
);
