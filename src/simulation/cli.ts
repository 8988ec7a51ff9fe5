/**
 * `itinera simulate <file.itn> --journey <name> [--events events.json] [--profile id]
 * [--traits traits.json] [--grant purpose]… [--tag tag]… [--start instant]`
 *
 * Sends the draft to the running server (POST /v1/journeys/simulate) and prints the
 * timeline, one line per entry. The server is ITINERA_URL with ITINERA_ADMIN_KEY, as for
 * `itinera import` (src/import/server-target.ts). Exit 0 with a timeline, 1 when the draft
 * has errors (printed as `itinera check` prints them) or the server refused, 2 when the
 * command line is wrong.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliIO } from '../cli-io.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { importServerFrom, ServerTargetError } from '../import/server-target.js';
import { timelineLines } from './format.js';
import type { SimulationResult } from './simulate.js';

export const SIMULATE_USAGE =
  'itinera simulate <file.itn> --journey <name> [--events events.json] [--profile id | --traits traits.json --grant purpose… --tag tag…]';

const EXIT_OK = 0;
const EXIT_ERRORS = 1;
const EXIT_USAGE = 2;

const OPTIONS = {
  journey: { type: 'string' },
  events: { type: 'string' },
  profile: { type: 'string' },
  traits: { type: 'string' },
  grant: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  start: { type: 'string' },
} as const;

class InputError extends Error {}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: error: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: error: the ${what} is not JSON (${(error as Error).message})`);
  }
}

export async function runSimulateCommand(argv: string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    io.err(`${(error as Error).message}\nusage: ${SIMULATE_USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const described = values.traits !== undefined || values.grant !== undefined || values.tag !== undefined;
  if (positionals.length !== 1 || values.journey === undefined || (values.profile !== undefined && described)) {
    io.err(`usage: ${SIMULATE_USAGE}`);
    return EXIT_USAGE;
  }
  const file = positionals[0]!;
  let body: Record<string, unknown>;
  try {
    const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`${file}: error: cannot read the file (${error.code ?? 'unknown error'})`);
    });
    const person =
      values.profile !== undefined
        ? { profileId: values.profile }
        : {
            traits: values.traits === undefined ? {} : await readJson(values.traits, 'traits'),
            consents: Object.fromEntries((values.grant ?? []).map((purpose) => [purpose, 'granted'])),
            tags: values.tag ?? [],
          };
    body = {
      source,
      journey: values.journey,
      person,
      ...(values.events === undefined ? {} : { events: await readJson(values.events, 'events') }),
      ...(values.start === undefined ? {} : { start: values.start }),
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(error.message);
    return EXIT_ERRORS;
  }

  let server;
  try {
    server = importServerFrom(env);
  } catch (error) {
    if (!(error instanceof ServerTargetError)) throw error;
    io.err(`itinera simulate: ${error.message}`);
    return EXIT_ERRORS;
  }
  let response: Response;
  try {
    response = await fetch(`${server.url}/v1/journeys/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
      body: JSON.stringify(body),
    });
  } catch (error) {
    io.err(`itinera simulate: no answer from ${server.url} (${(error as Error).message}); is the server running (npm start)?`);
    return EXIT_ERRORS;
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 422) {
    for (const d of answer.diagnostics as Diagnostic[]) io.err(`${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
    return EXIT_ERRORS;
  }
  if (!response.ok) {
    const error = answer.error as { code?: string; message?: string } | undefined;
    io.err(`itinera simulate: the server answered ${response.status}: ${error?.message ?? 'no explanation'}`);
    return EXIT_ERRORS;
  }
  for (const line of timelineLines(answer as unknown as SimulationResult)) io.out(line);
  return EXIT_OK;
}

/** Its entry in `itinera`'s commands (src/cli.ts). */
export const simulateCommand = {
  summary: 'what a journey of a draft would do for one person (through the running server)',
  usage: SIMULATE_USAGE,
  run: (args: string[], io: CliIO) => runSimulateCommand(args, io),
};
