/**
 * `itinera lsp`: the language server over standard input and output, for any editor with
 * a language server client (docs/editors.md).
 */
import type { CliIO } from '../cli-io.js';

const EXIT_USAGE = 2;
const USAGE = 'itinera lsp [--stdio]';

/**
 * Editors' clients commonly pass `--stdio`, and `--clientProcessId` with the editor's
 * process id (the library watches that process itself, and ends when it is gone).
 */
function understood(args: string[]): boolean {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--stdio' || /^--clientProcessId=\d+$/.test(arg)) continue;
    if (arg === '--clientProcessId' && /^\d+$/.test(args[index + 1] ?? '')) {
      index++;
      continue;
    }
    return false;
  }
  return true;
}

export const lspCommand = {
  summary: 'the language server for .itn files, over standard input and output (for editors)',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    if (!understood(args)) {
      io.err(`usage: ${USAGE}`);
      return EXIT_USAGE;
    }
    // Loaded on use: `itinera check` does not pay for the protocol's modules.
    const { startLanguageServer, stderrLogger } = await import('./server.js');
    // A stray console.log anywhere would corrupt the protocol on standard output.
    console.log = console.info = console.debug = console.error;
    startLanguageServer({ input: process.stdin, output: process.stdout, env: process.env, log: stderrLogger(process.env) });
    // Never settles: the library ends the process when the editor says exit or closes the pipe.
    return new Promise<number>(() => undefined);
  },
};
