/**
 * Builds the console (web/) into web/dist/, served by Itinera under /console/
 * (src/server/routes/console.ts). Nothing is loaded from another host.
 *
 * The rule editor compiles in the browser with the project's own compiler (src/dsl), so
 * Vite bundles those sources too: it resolves their `./x.js` imports to the `.ts` files.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const DSL_DIR = fileURLToPath(new URL('../src/dsl/', import.meta.url));
const BROWSER_CHEVROTAIN = fileURLToPath(new URL('./src/editor/chevrotain-browser.ts', import.meta.url));

/**
 * src/dsl/chevrotain.ts loads Chevrotain's single-file build through Node's module
 * resolution (import.meta.resolve, a top-level await), which a browser bundle has no use
 * for: in the console the compiler takes Chevrotain from the package's ES modules, which
 * Vite bundles and tree-shakes like any other.
 */
function browserChevrotain(): Plugin {
  return {
    name: 'itinera-browser-chevrotain',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './chevrotain.js' && importer?.startsWith(DSL_DIR)) return BROWSER_CHEVROTAIN;
      return null;
    },
  };
}

const KEYWORDS_MODULE = 'virtual:itn-keywords';

/**
 * The words the compiler's lexer takes as keywords, for the editor's highlighting, from
 * src/dsl/keywords.ts (which reads them from the lexer's tokens, as the language server
 * does) so the two never disagree. Read in a child process under tsx: the compiler's
 * modules are TypeScript with a top-level await, which this configuration's own loader
 * cannot run.
 */
function itnKeywords(): Plugin {
  const resolved = `\0${KEYWORDS_MODULE}`;
  return {
    name: 'itinera-itn-keywords',
    resolveId: (source) => (source === KEYWORDS_MODULE ? resolved : null),
    load(id) {
      if (id !== resolved) return null;
      const script = `
        const { KEYWORDS } = await import(${JSON.stringify(new URL('../src/dsl/keywords.ts', import.meta.url).href)});
        console.log(JSON.stringify(KEYWORDS));`;
      const tsx = createRequire(import.meta.url).resolve('tsx');
      const result = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`reading the keywords of src/dsl/keywords.ts failed:\n${result.stderr}`);
      const words = JSON.parse(result.stdout) as string[];
      if (words.length < 20) throw new Error(`src/dsl/keywords.ts gave only ${words.length} keywords`);
      return `export default ${JSON.stringify(words)};`;
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [browserChevrotain(), itnKeywords()],
  worker: { format: 'es', plugins: () => [browserChevrotain()] },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The editor's chunk (CodeMirror and the compiler) is loaded on the Rules page only.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // Libraries in chunks of their own: a new console build that changes only the
        // console's code leaves the browser's cached copies of them valid.
        manualChunks(id) {
          if (
            id.includes('/node_modules/@codemirror/') ||
            id.includes('/node_modules/@lezer/') ||
            id.includes('/node_modules/style-mod/') ||
            id.includes('/node_modules/w3c-keyname/') ||
            id.includes('/node_modules/crelt/') ||
            id.includes('/node_modules/@marijn/')
          )
            return 'codemirror';
          if (
            id.includes('/node_modules/chevrotain/') ||
            id.includes('/node_modules/@chevrotain/') ||
            id.includes('/node_modules/lodash-es/') ||
            id.startsWith(DSL_DIR)
          )
            return 'compiler';
          if (
            id.includes('/node_modules/preact/') ||
            id.includes('/node_modules/wouter-preact/') ||
            id.includes('/node_modules/regexparam/')
          )
            return 'preact';
          return undefined;
        },
      },
    },
  },
});
