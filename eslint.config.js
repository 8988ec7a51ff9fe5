// Lint rules. The workflow override enforces Temporal's determinism sandbox at edit time:
// workflow code may not reach Node built-ins, the database driver, or activity code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { readdirSync } from 'node:fs';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/**
 * Layers point one way (docs/architecture.md, "How to find your way"), lowest first: code in
 * a layer may import from its own layer and the layers below it, never from a layer above
 * it, nor from the wiring on top (runtime.ts, main.ts, cli.ts, accounts-cli.ts, infra/).
 * Every folder of src/ and every module at its root is in a layer or in the wiring.
 * A name is a folder of src/, or a module at its root when it ends in `.ts`. Workflows
 * have a stricter rule of their own below (which forbids the layers above them too).
 */
const LAYERS = [
  ['dsl', 'util', 'config.ts', 'shutdown.ts', 'cli-io.ts', 'metrics'], // the compiler and helpers: no domain; the process's metrics
  ['model.ts', 'conditions'], // the shapes layers share (they hold the compiler's IR); what a condition means
  ['profile', 'accounts', 'tracking', 'log-redaction.ts', 'logger.ts'], // pure rules over those documents and messages; logging
  ['store'],
  ['segments', 'identity', 'consent', 'channels'],
  ['profile-changes'],
  ['privacy'],
  ['activities'],
  ['workflows'],
  ['ingest'],
  ['import', 'lsp'], // clients of a running server
  ['simulation'],
  ['server'],
];
const WIRING_NAMES = ['infra', 'runtime.ts', 'main.ts', 'cli.ts', 'cli', 'accounts-cli.ts'];
const isModule = (name) => name.endsWith('.ts');
const filesOf = (name) => (isModule(name) ? `src/${name}` : `src/${name}/**/*.ts`);
const importsOf = (name) => (isModule(name) ? `**/${name.replace(/\.ts$/, '.js')}` : `**/${name}/*`);
const WIRING = WIRING_NAMES.map(importsOf);
/** A folder or root module of src/ that is in no layer: every import it makes is an error until it is placed. */
const placed = new Set([...LAYERS.flat(), ...WIRING_NAMES]);
const UNPLACED = readdirSync(`${import.meta.dirname}/src`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() || isModule(entry.name))
  .map((entry) => entry.name)
  .filter((name) => !placed.has(name));
const LAYER_RULES = LAYERS.flatMap((layer, index) => {
  if (layer.includes('workflows')) return [];
  const above = LAYERS.slice(index + 1).flat();
  return [
    {
      files: layer.map(filesOf),
      forbidden: {
        group: [...above.map(importsOf), ...WIRING],
        message: 'Layers point one way (docs/architecture.md): this module may not import from a layer above it.',
      },
    },
  ];
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
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'self',
          'location',
          'localStorage',
          'fetch',
          'FormData',
          'Worker',
          'MessageEvent',
          'HTMLElement',
          'HTMLFormElement',
          'HTMLInputElement',
          'HTMLDialogElement',
          'performance',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'console',
          'URL',
          'Event',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  ...LAYER_RULES.map(({ files, forbidden }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [forbidden] }] } })),
  ...UNPLACED.map((name) => ({
    files: [filesOf(name)],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['*'], message: `src/${name} is in no layer: place it in LAYERS (eslint.config.js) and in docs/architecture.md.` },
          ],
        },
      ],
    },
  })),
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
    // The segment engine's fields on a profile (SegmentState) are its own: only src/segments writes them.
    files: ['src/**/*.ts'],
    ignores: ['src/segments/**', 'src/store/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'decideSegmentState', message: "Only the segment engine (src/segments) writes a profile's segment state." },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The workflow sandbox: everything in src/workflows but the clients (below), which run in Node.
    files: ['src/workflows/**/*.ts'],
    ignores: ['src/workflows/**/*.client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflows are deterministic sandboxes: no Node built-ins. Do I/O in an activity.',
            })),
            { name: 'mongodb', message: 'Workflows never touch the database; call an activity.' },
            {
              name: '@temporalio/client',
              message: 'Workflows do not call Temporal as a client: starts and signals are in the *.client.ts files.',
            },
          ],
          patterns: [
            {
              group: ['**/*.client.js'],
              message:
                'The *.client.ts files run in Node, outside the workflow sandbox: a workflow never imports them (nor does index.ts, which the worker bundles).',
            },
            {
              group: ['**/activities/*', '!**/activities/index.js'],
              message: 'Import activity types from activities/index.js with `import type`, never implementations.',
            },
            {
              group: [
                '**/store/*',
                '**/server/*',
                '**/ingest/*',
                '**/identity/*',
                '**/segments/*',
                '**/import/*',
                '**/infra/*',
                '**/runtime.js',
              ],
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
  {
    // The workflows' clients (src/workflows/*.client.ts): each workflow's starts, signals and
    // terminations beside it, run in Node by whoever starts the workflow. They may use
    // @temporalio/client and the layers below the workflows, not those above nor the
    // wiring; workflow code they import as types only, except the messages (signals, inputs).
    files: ['src/workflows/**/*.client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...LAYERS.slice(LAYERS.findIndex((layer) => layer.includes('workflows')) + 1)
                  .flat()
                  .map((name) => (name.endsWith('.ts') ? `**/${name.replace(/\.ts$/, '.js')}` : `**/${name}/*`)),
                ...WIRING,
              ],
              message: 'Layers point one way (docs/architecture.md): a workflow client may not import from a layer above the workflows.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // messages.js and its siblings (broadcast-messages.js): signals and inputs, safe outside the sandbox.
              group: ['./*', '!./messages.js', '!./*-messages.js', '!./*.client.js'],
              allowTypeImports: true,
              message:
                "A client imports workflow code as types only (`import type * as workflows from './index.js'`): running it outside the sandbox would fail.",
            },
          ],
        },
      ],
    },
  },
);
