/**
 * The `itinera` command line. Each subcommand is one entry of `commands`: a summary for
 * `itinera help`, a usage line, and `run`, which gets the arguments after the subcommand
 * and returns the exit code.
 *
 *   itinera check <files…>          diagnostics, compiler style; exit 1 if any error
 *   itinera compile <file> --json   the IR as JSON on stdout; diagnostics on stderr
 *   itinera import profiles|events <file.csv> [--map col=target[:type]]…   (to the running server)
 *   itinera users add <name> --role <role>   (password on standard input) | users list
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { compile } from './dsl/index.js';
import { IMPORT_USAGE } from './import/cli-args.js';
import { simulateCommand } from './simulation/cli.js';
import type { Diagnostic } from './dsl/diagnostics.js';

import type { CliIO } from './cli-io.js';

export type { CliIO };

export interface Command {
  summary: string;
  usage: string;
  run: (args: string[], io: CliIO) => Promise<number>;
}

export const EXIT_OK = 0;
/** The input has errors (diagnostics, unreadable files). */
export const EXIT_ERRORS = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

async function readSource(path: string, io: CliIO): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    io.err(`${path}: error: cannot read the file (${code})`);
    return undefined;
  }
}

const check: Command = {
  summary: 'report every problem in rule files',
  usage: 'itinera check <file.itn>…',
  async run(args, io) {
    if (args.length === 0) return usageError(io, this.usage);
    let failed = false;
    for (const path of args) {
      const source = await readSource(path, io);
      if (source === undefined) {
        failed = true;
        continue;
      }
      const { diagnostics } = compile(source);
      for (const diagnostic of diagnostics) io.out(formatDiagnostic(path, diagnostic));
      if (diagnostics.some((d) => d.severity === 'error')) failed = true;
    }
    return failed ? EXIT_ERRORS : EXIT_OK;
  },
};

const compileCommand: Command = {
  summary: 'compile one rule file to its IR',
  usage: 'itinera compile <file.itn> [--json]',
  async run(args, io) {
    const json = args.includes('--json');
    const files = args.filter((arg) => arg !== '--json');
    const unknown = files.filter((arg) => arg.startsWith('--'));
    if (files.length !== 1 || unknown.length > 0) return usageError(io, this.usage);
    const path = files[0]!;
    const source = await readSource(path, io);
    if (source === undefined) return EXIT_ERRORS;
    const { ir, diagnostics } = compile(source);
    for (const diagnostic of diagnostics) io.err(formatDiagnostic(path, diagnostic));
    if (!ir) return EXIT_ERRORS;
    if (json) io.out(JSON.stringify(ir, null, 2));
    else io.out(`${path}: ${ir.consents.length} consents, ${ir.segments.length} segments, ${ir.journeys.length} journeys`);
    return EXIT_OK;
  },
};

const importCommand: Command = {
  summary: 'import profiles or events from a CSV file (through the running server)',
  usage: IMPORT_USAGE,
  async run(args) {
    // Loaded on use, as users is: `itinera check` does not pay for the import's modules.
    const { runImportCommand } = await import('./import/cli.js');
    return runImportCommand(args, { env: process.env, stdout: process.stdout, stderr: process.stderr });
  },
};

const usersCommand: Command = {
  summary: 'add console users (password on standard input), list them',
  usage: 'itinera users add <name> --role <role>',
  async run(args, io) {
    // Loaded on use: the database driver is not every command's cost.
    const { runUsersCommand } = await import('./accounts-cli.js');
    return runUsersCommand(args, io);
  },
};

export const commands: Record<string, Command> = {
  check,
  compile: compileCommand,
  import: importCommand,
  users: usersCommand,
  simulate: simulateCommand,
};

function usageError(io: CliIO, usage: string): number {
  io.err(`usage: ${usage}`);
  return EXIT_USAGE;
}

function help(io: CliIO): void {
  io.out('usage: itinera <command> [arguments]');
  io.out('');
  for (const command of Object.values(commands)) io.out(`  ${command.usage.padEnd(40)} ${command.summary}`);
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(io);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`itinera: unknown command '${name}'`);
    help(io);
    return EXIT_USAGE;
  }
  return command.run(args, io);
}

/** The command as a process runs it: this process's arguments and streams, its exit code. */
export async function runAsProcess(): Promise<void> {
  const io: CliIO = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  process.exitCode = await main(process.argv.slice(2), io);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) await runAsProcess();
