/**
 * `itinera deploy FILE [--yes] [--note "…"] [--diff]`: deploys a rule program through the
 * running server's API, as the console's "Review and deploy" does. First the summary of
 * what it would change (POST /v1/rules/summary, which stores nothing), printed; then, on
 * a terminal, the question "Deploy? [y/N]" (--yes answers it; without a terminal and
 * without --yes nothing is deployed); then PUT /v1/rules with the note, and the new
 * version. A program with errors is printed compiler style and never asked about.
 *
 * Exit 0 when deployed; 1 when not (errors in the program, the answer was no, no
 * terminal to ask on, the server refused or could not be reached); 2 when the command
 * line is wrong.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../dsl/diagnostics.js';
import type { DeploySummary } from '../server/deploy-summary.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, formatDiagnostic } from './exit-codes.js';
import type { CliIO } from '../cli-io.js';
import { DEPLOY_USAGE } from './usage.js';
import { summaryLines } from './deploy-summary-text.js';
import { CliFailure } from './errors.js';
import { callServer, serverTargetFrom, type ServerTarget } from './server-api.js';
import { isYes, type Ask } from './terminal.js';

/** The header PUT /v1/rules reads the note from (src/server/routes/rules.ts), URL-encoded. */
const NOTE_HEADER = 'x-itinera-note';

export interface DeployCommandDeps {
  io: CliIO;
  /** Where ITINERA_URL and ITINERA_ADMIN_KEY are read: process.env, or a test's. */
  env: NodeJS.ProcessEnv;
  /** The terminal's question; absent when there is no terminal to ask on. */
  ask?: Ask;
}

interface DeployArgs {
  file: string;
  yes: boolean;
  note?: string;
  diff: boolean;
}

function parseDeployArgs(args: string[]): DeployArgs | undefined {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { yes: { type: 'boolean', short: 'y' }, note: { type: 'string' }, diff: { type: 'boolean' } },
    });
    if (positionals.length !== 1) return undefined;
    return {
      file: positionals[0]!,
      yes: values.yes ?? false,
      diff: values.diff ?? false,
      ...(values.note === undefined ? {} : { note: values.note }),
    };
  } catch {
    return undefined;
  }
}

interface DeployAnswer {
  version: number;
  segments: { recompute: 'started' | 'pending' };
}

export async function runDeployCommand(args: string[], deps: DeployCommandDeps): Promise<number> {
  const { io } = deps;
  const parsed = parseDeployArgs(args);
  if (!parsed) {
    io.err(`usage: ${DEPLOY_USAGE}`);
    return EXIT_USAGE;
  }
  const { file } = parsed;
  const source = await readProgram(file);
  const server = serverTargetFrom(deps.env);

  const summary = (await callServer<DeploySummary>(server, { method: 'POST', path: '/v1/rules/summary', text: source })).body;
  if (!summary.ok) return refused(file, summary.diagnostics, io);
  for (const line of summaryLines(summary, { diff: parsed.diff })) io.out(line);

  if (!parsed.yes) {
    if (!deps.ask) {
      io.err('itinera: not deployed: there is no terminal to ask "Deploy? [y/N]" on; pass --yes to deploy without asking');
      return EXIT_ERRORS;
    }
    if (!isYes(await deps.ask('Deploy? [y/N] '))) {
      io.out('Not deployed.');
      return EXIT_ERRORS;
    }
  }
  return deploy(server, file, source, parsed.note, io);
}

async function deploy(server: ServerTarget, file: string, source: string, note: string | undefined, io: CliIO): Promise<number> {
  const answer = await callServer<DeployAnswer | { diagnostics: Diagnostic[] }>(
    server,
    {
      method: 'PUT',
      path: '/v1/rules',
      text: source,
      ...(note === undefined ? {} : { headers: { [NOTE_HEADER]: encodeURIComponent(note) } }),
    },
    // The program is compiled again on deploy: a server updated since the summary could refuse it.
    [422],
  );
  if (answer.status === 422) return refused(file, (answer.body as { diagnostics: Diagnostic[] }).diagnostics, io);
  const { version, segments } = answer.body as DeployAnswer;
  const recompute = segments.recompute === 'started' ? 'segments recompute in the background' : 'the segment recompute starts shortly';
  io.out(`Deployed ${file} as version ${version} (${recompute}).`);
  return EXIT_OK;
}

/** Compiler style, as `itinera check` prints them, then one line saying nothing was deployed. */
function refused(file: string, diagnostics: readonly Diagnostic[], io: CliIO): number {
  for (const diagnostic of diagnostics) io.err(formatDiagnostic(file, diagnostic));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  io.err(`itinera: not deployed: ${file} has ${errors} error${errors === 1 ? '' : 's'}`);
  return EXIT_ERRORS;
}

async function readProgram(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliFailure(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
