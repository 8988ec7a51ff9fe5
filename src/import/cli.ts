/**
 * `itinera import profiles|events <file.csv> [--map column=target[:type]]… [--chunk-size N]`
 *
 * Streams the file to the running server (POST /v1/import/<kind>, see server-client.ts),
 * which imports it through its own ingestion; this process opens no database and no
 * Temporal connection. The server is ITINERA_URL (default: where `npm start` listens) with
 * ITINERA_ADMIN_KEY (see server-target.ts).
 * stdout: each bad row as `<file>:<line>: <reason>`, like compiler diagnostics.
 * stderr: progress (a bar on a terminal, a line every 50,000 rows or 5 s otherwise) and
 * the summary, or one line saying why the import could not run. Exit 0 when every row was
 * imported, 1 when some were bad or the import could not run (no server, a wrong key, a
 * consent purpose the active rules do not declare…) or stopped, 2 when the command line
 * is wrong.
 */
import { open } from 'node:fs/promises';
import { IMPORT_USAGE, parseImportArgs } from './cli-args.js';
import { ImportError, type ImportErrorCode } from './errors.js';
import { parseColumnMapping } from './mapping.js';
import { count, progressDisplay, progressLine, type Output, type PlainProgressInterval } from './progress-display.js';
import { importThroughServer, ServerImportError, type ServerImportFailure } from './server-client.js';
import { DEFAULT_PORT, importServerFrom, ServerTargetError, type ImportServer } from './server-target.js';
import type { ImportReport } from './types.js';

export { IMPORT_USAGE } from './cli-args.js';

export const EXIT_OK = 0;
/** Some rows were bad, or the file could not be imported. */
export const EXIT_BAD_ROWS = 1;
export const EXIT_USAGE = 2;

export interface ImportCommandDeps {
  /** Where ITINERA_URL and ITINERA_ADMIN_KEY are read: process.env, or a test's. */
  env: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
  /** How often the plain (non-terminal) progress line appears; tests shorten it. */
  progressInterval?: PlainProgressInterval;
}

const HELP = [
  `usage: ${IMPORT_USAGE}`,
  '',
  'The file is streamed to the running Itinera server, which imports it: ITINERA_URL (default',
  `http://127.0.0.1:${DEFAULT_PORT}, the port of \`npm start\`; PORT if set) with the admin key ITINERA_ADMIN_KEY`,
  '(default: the development key). Start the server first (npm start).',
  '',
  'Each row of a profiles file becomes an identify call, each row of an events file a track call.',
  'Columns map by name: user_id/userId, anonymous_id/anonymousId, email, event, timestamp and',
  'message_id/messageId to themselves, any other column to trait:<column> (profiles) or',
  'property:<column> (events). --map changes one column:',
  '',
  '  --map column=target[:type]',
  '    target: userId | anonymousId | email | event | timestamp | messageId | ignore',
  '            | trait:<name> | property:<name>',
  '            | consent:<purpose> | consent_at:<purpose> | consent_method:<purpose>',
  '            | consent_text:<purpose> | consent_url:<purpose> | consent_page_url:<purpose>',
  '            | consent_ip:<purpose> | consent_user_agent:<purpose>',
  '    type:   string (default) | number | boolean | date (ISO-8601)',
  '',
  'Empty cells are left out. Without a messageId column each row gets one derived from its',
  'values, so importing the same file again applies nothing twice.',
  '',
  'Consent (profiles and events files): consent:<purpose> is the state of a purpose declared',
  'in the active rules: granted (true, yes, 1, y, granted), denied (false, no, 0, n, denied) or',
  'revoked; an empty cell changes nothing. Each such cell records a Consent Granted, Denied or',
  'Revoked event in the consent ledger (origin import). The other consent columns of the',
  'purpose need its consent:<purpose> column: consent_at when it was given (an ISO-8601 date;',
  "else the row's timestamp, else the import time), and the proof: consent_method (default",
  '"import"), consent_text and consent_url (the notice shown), consent_page_url, consent_ip',
  '(stored anonymised) and consent_user_agent. For example:',
  '',
  '  itinera import profiles people.csv --map newsletter=consent:email_marketing \\',
  '    --map newsletter_date=consent_at:email_marketing',
].join('\n');

function usage(stderr: Output, error: string): number {
  stderr.write(`error: ${error}\nusage: ${IMPORT_USAGE}\n`);
  return EXIT_USAGE;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function printReport(file: string, report: ImportReport, deps: ImportCommandDeps): void {
  for (const error of report.errors) deps.stdout.write(`${file}:${error.line}: ${error.reason}\n`);
  if (report.errorsTruncated) {
    deps.stdout.write(
      `${file}: … and ${count(report.bad - report.errors.length)} more bad rows (only the first ${count(report.errors.length)} are listed)\n`,
    );
  }
  deps.stderr.write(`${file}: ${progressLine(report)} in ${seconds(report.durationMs)}\n`);
}

/** The import errors that make the whole file unusable, as the server names them; a bad mapping is the command line's fault. */
const IMPORT_ERROR_CODES: readonly ImportErrorCode[] = ['bad_mapping', 'no_header', 'bad_header', 'unknown_purpose'];

/** One line (two for an import that stopped half-way) saying why the import did not complete, and the exit code. */
function reportFailure(file: string, server: ImportServer, failure: ServerImportFailure, rowsSoFar: number, stderr: Output): number {
  switch (failure.kind) {
    case 'unreachable':
      stderr.write(
        `itinera import: cannot reach the Itinera server at ${server.url} (${failure.reason}); start it with \`npm start\`, or set ITINERA_URL to its address\n`,
      );
      return EXIT_BAD_ROWS;
    case 'refused':
      if (failure.status === 401 || failure.status === 403) {
        stderr.write(
          `itinera import: the server at ${server.url} refused the admin key (${failure.status}: ${failure.message}); set ITINERA_ADMIN_KEY to the key the server runs with\n`,
        );
        return EXIT_BAD_ROWS;
      }
      if (failure.code !== undefined && (IMPORT_ERROR_CODES as readonly string[]).includes(failure.code)) {
        stderr.write(`${file}: error: ${failure.message}\n`);
        return failure.code === 'bad_mapping' ? EXIT_USAGE : EXIT_BAD_ROWS;
      }
      if (failure.status < 500) {
        stderr.write(`${file}: error: the server at ${server.url} refused the import (${failure.status}): ${failure.message}\n`);
        return EXIT_BAD_ROWS;
      }
      return reportFailure(file, server, { kind: 'stopped', message: failure.message }, rowsSoFar, stderr);
    case 'stopped':
      stderr.write(
        `${file}: error: the import stopped after about ${count(rowsSoFar)} rows: ${failure.message}\n` +
          `${file}: the rows applied so far stay applied; importing the file again applies only the others\n`,
      );
      return EXIT_BAD_ROWS;
  }
}

export async function runImportCommand(argv: string[], deps: ImportCommandDeps): Promise<number> {
  const parsed = parseImportArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      deps.stdout.write(`${HELP}\n`);
      return EXIT_OK;
    }
    return usage(deps.stderr, parsed.error ?? 'bad arguments');
  }
  const { kind, file, mapSpecs, chunkSize } = parsed.args;
  try {
    // Checked here too, so that a malformed --map is a usage error even without a server.
    parseColumnMapping(mapSpecs);
  } catch (error) {
    if (error instanceof ImportError) return usage(deps.stderr, error.message);
    throw error;
  }
  let server: ImportServer;
  try {
    server = importServerFrom(deps.env);
  } catch (error) {
    if (!(error instanceof ServerTargetError)) throw error;
    deps.stderr.write(`itinera import: ${error.message}\n`);
    return EXIT_BAD_ROWS;
  }

  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    deps.stderr.write(`${file}: error: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
    return EXIT_BAD_ROWS;
  }
  const input = handle.createReadStream();
  let rowsSoFar = 0;
  const progress = progressDisplay(deps.stderr, file, (await handle.stat()).size, deps.progressInterval);
  try {
    const report = await importThroughServer({
      server,
      kind,
      input,
      mapSpecs,
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      onProgress: (p) => {
        rowsSoFar = p.rows;
        progress.update(p);
      },
    });
    progress.stop();
    printReport(file, report, deps);
    return report.bad === 0 ? EXIT_OK : EXIT_BAD_ROWS;
  } catch (error) {
    progress.stop();
    if (error instanceof ServerImportError) return reportFailure(file, server, error.failure, rowsSoFar, deps.stderr);
    throw error;
  } finally {
    input.destroy();
    await handle.close().catch(() => {});
  }
}
