/**
 * The `itinera` command line. Each subcommand is one entry of `commands`: a summary for
 * `itinera help`, a usage line, and `run`, which gets the arguments after the subcommand
 * and returns the exit code.
 *
 *   itinera check [--offline] <files…>   diagnostics, compiler style, and the data's warnings
 *                                   when a server answers; a summary line per file; exit 1 if any error
 *   itinera compile <file> --json   the IR as JSON on stdout; diagnostics on stderr
 *   itinera import profiles|events <file.csv> [--map col=target[:type]]…   (to the running server)
 *   itinera users add <name> --role <role>   (password on standard input) | users list
 *   itinera deploy <file.itn> [--yes] [--note "…"]   (through the running server)
 *   itinera templates push <dir>                     (through the running server)
 *
 * Whatever goes wrong is one line on stderr, `itinera: <what>` (src/cli/errors.ts); the
 * stack of an unexpected error only with --verbose, anywhere on the command line.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { checkData, type DataFacts } from './dsl/check-data.js';
import { compile, parseProgram, type ProgramIR } from './dsl/index.js';
import { compareDiagnostics } from './dsl/positions.js';
import { IMPORT_USAGE } from './import/cli-args.js';
import { lspCommand } from './lsp/command.js';
import { describeFailure } from './cli/errors.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, formatDiagnostic } from './cli/exit-codes.js';
import { DEPLOY_USAGE, TEMPLATES_USAGE } from './cli/usage.js';
import { simulateCommand } from './simulation/cli.js';

import type { CliIO } from './cli-io.js';

export type { CliIO };

export interface Command {
  summary: string;
  usage: string;
  run: (args: string[], io: CliIO) => Promise<number>;
}

export { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, formatDiagnostic };

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
  summary: 'report every problem in rule files (and, with a server, names the data has never shown)',
  usage: 'itinera check [--offline] <file.itn>…',
  run(args, io) {
    return runCheck(args, io, process.env);
  },
};

/**
 * `itinera check`, with the environment it reads ITINERA_URL and ITINERA_ADMIN_KEY from.
 * The compiler's diagnostics always; the data catalogue's warnings (docs/language.md,
 * "Warnings from the data") when the server answers within a moment. A server that does
 * not is no error: the check goes on offline, saying so only when ITINERA_URL was set.
 */
export async function runCheck(args: string[], io: CliIO, env: NodeJS.ProcessEnv): Promise<number> {
  const offline = args.includes('--offline');
  const files = args.filter((arg) => arg !== '--offline');
  if (files.length === 0 || files.some((arg) => arg.startsWith('--'))) return usageError(io, check.usage);
  const facts = offline ? undefined : await dataFacts(env, io);
  let failed = false;
  for (const path of files) {
    const source = await readSource(path, io);
    if (source === undefined) {
      failed = true;
      continue;
    }
    const { ir, diagnostics: compiled } = compile(source);
    // The AST again (compile keeps only the IR) for the data's warnings, which point into it.
    const diagnostics = facts ? [...compiled, ...checkData(parseProgram(source).program, facts)].sort(compareDiagnostics) : compiled;
    for (const diagnostic of diagnostics) io.out(formatDiagnostic(path, diagnostic));
    if (ir) io.out(`${path}: ${summaryOf(ir, diagnostics.length)}`);
    else failed = true;
  }
  return failed ? EXIT_ERRORS : EXIT_OK;
}

/** The data catalogue and the template names from the server, or undefined to check offline. */
async function dataFacts(env: NodeJS.ProcessEnv, io: CliIO): Promise<DataFacts | undefined> {
  // Loaded on use: an offline check does not pay for the client's modules.
  const [{ importServerFrom, ServerTargetError }, { fetchCatalog }] = await Promise.all([
    import('./import/server-target.js'),
    import('./server/catalog-client.js'),
  ]);
  const explicit = Boolean(env.ITINERA_URL?.trim());
  let server;
  try {
    server = importServerFrom(env);
  } catch (error) {
    if (!(error instanceof ServerTargetError)) throw error;
    io.err(`itinera check: ${error.message}; checked without the data`);
    return undefined;
  }
  const fetched = await fetchCatalog(server);
  if (fetched.ok) return { catalog: fetched.catalog, templates: fetched.templates };
  if (fetched.kind === 'refused') {
    io.err(`itinera check: the server at ${server.url} did not give its data catalogue (${fetched.reason}); checked without the data`);
  } else if (explicit) {
    io.err(`itinera check: cannot reach the Itinera server at ${server.url} (${fetched.reason}); checked without the data`);
  }
  return undefined;
}

const counted = (n: number, singular: string) => `${n} ${singular}${n === 1 ? '' : 's'}`;

/** `3 segments, 3 journeys, 1 consent, no problems`: what a file declares, and how many warnings it has. */
function summaryOf(ir: ProgramIR, warnings: number): string {
  const parts = [counted(ir.segments.length, 'segment'), counted(ir.journeys.length, 'journey'), counted(ir.consents.length, 'consent')];
  if (ir.broadcasts?.length) parts.push(counted(ir.broadcasts.length, 'broadcast'));
  parts.push(warnings === 0 ? 'no problems' : counted(warnings, 'warning'));
  return parts.join(', ');
}

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

const deployCommand: Command = {
  summary: 'show what a rule program would change, then deploy it (through the running server)',
  usage: DEPLOY_USAGE,
  async run(args, io) {
    const [{ runDeployCommand }, { terminalQuestion }] = await Promise.all([import('./cli/deploy.js'), import('./cli/terminal.js')]);
    const ask = terminalQuestion();
    return runDeployCommand(args, { io, env: process.env, ...(ask ? { ask } : {}) });
  },
};

const templatesCommand: Command = {
  summary: 'create or update every e-mail template of a directory (through the running server)',
  usage: TEMPLATES_USAGE,
  async run(args, io) {
    const { runTemplatesCommand } = await import('./cli/templates-push.js');
    return runTemplatesCommand(args, { io, env: process.env });
  },
};

export const commands: Record<string, Command> = {
  check,
  compile: compileCommand,
  import: importCommand,
  users: usersCommand,
  lsp: lspCommand,
  deploy: deployCommand,
  templates: templatesCommand,
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

/** The flag that adds the stack to an unexpected error's line; no command has an option of that name. */
const VERBOSE = '--verbose';

/** Runs the command; whatever it throws is one line on stderr (and its stack under --verbose), exit 1. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const verbose = argv.includes(VERBOSE);
  const rest = argv.filter((arg) => arg !== VERBOSE);
  try {
    return await dispatch(rest, io);
  } catch (error) {
    for (const line of describeFailure(error, verbose)) io.err(line);
    return EXIT_ERRORS;
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
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
  // A write to a closed pipe (`itinera … | head`) is not worth a stack trace either.
  process.stdout.on('error', () => undefined);
  const io: CliIO = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  process.exitCode = await main(process.argv.slice(2), io);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) await runAsProcess();
