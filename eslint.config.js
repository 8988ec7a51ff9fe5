// Lint rules. The workflow override enforces Temporal's determinism sandbox at edit time:
// workflow code may not reach Node built-ins, the database driver, or activity code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/**
 * Layers point one way (docs/architecture.md, "Layers point one way"), lowest first: code
 * in a layer may not import from any layer above it, nor from the wiring on top
 * (runtime.ts, main.ts, cli.ts, infra/). Workflows have a stricter rule of their own below.
 */
const LAYERS = [['dsl', 'profile', 'util', 'accounts'], ['store'], ['segments', 'identity', 'consent'], ['profile-changes'], ['activities'], ['workflows'], ['ingest'], ['import'], ['server']];
const WIRING = ['**/infra/*', '**/runtime.js', '**/main.js', '**/cli.js'];
const LAYER_RULES = LAYERS.flatMap((layer, index) => {
  if (layer.includes('workflows')) return [];
  const above = LAYERS.slice(index + 1).flat();
  return [{
    files: [...layer.map((dir) => `src/${dir}/**/*.ts`), ...(index === 0 ? ['src/model.ts'] : [])],
    forbidden: {
      group: [...above.map((dir) => `**/${dir}/*`), ...WIRING],
      message: 'Layers point one way (docs/architecture.md): this module may not import from a layer above it.',
    },
  }];
});

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', 'coverage/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JavaScript that runs on Node before anything is compiled: the command and the build.
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The console runs in the browser: its globals, and its own tsconfig (web/tsconfig.json).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: {
      globals: Object.fromEntries(['window', 'document', 'self', 'location', 'localStorage', 'fetch', 'FormData', 'Worker', 'MessageEvent', 'HTMLElement', 'HTMLFormElement', 'HTMLInputElement', 'HTMLDialogElement', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'console', 'URL', 'Event'].map((name) => [name, 'readonly'])),
    },
  },
  ...LAYER_RULES.map(({ files, forbidden }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [forbidden] }] } })),
  {
    // Only the stores open collections (docs/architecture.md): a query anywhere else would
    // slip past the store's indexes, its FerretDB workarounds and its per-profile write lock.
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='collection']",
          message: 'Only src/store opens collections: give the store the operation this needs.',
        },
      ],
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
            {
              group: ['**/store/*', '**/server/*', '**/ingest/*', '**/identity/*', '**/segments/*', '**/import/*', '**/infra/*', '**/runtime.js'],
              message: 'Workflows may not import I/O code.',
            },
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
