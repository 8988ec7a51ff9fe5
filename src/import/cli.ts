/**
 * `itinera import profiles|events <file.csv> [--map column=target[:type]]… [--chunk-size N]`
 *
 * Streams the file through importCsv into `apply` (ingestion, given by src/cli.ts).
 * stdout: each bad row as `<file>:<line>: <reason>`, like compiler diagnostics.
 * stderr: progress (a bar on a terminal, a line every 50,000 rows or 5 s otherwise) and
 * the summary. Exit 0 when every row was imported, 1 when some were bad or the import
 * could not run (a consent purpose the active rules do not declare…) or stopped, 2 when
 * the command line is wrong.
 */
import { open } from 'node:fs/promises';
import { IMPORT_USAGE, parseImportArgs } from './cli-args.js';
import { importCsv } from './csv-import.js';
import { ImportError } from './errors.js';
import { parseColumnMapping, type ColumnMapping } from './mapping.js';
import { count, progressDisplay, progressLine, type Output, type PlainProgressInterval } from './progress-display.js';
import type { ApplyMessages, ImportReport } from './types.js';

export { IMPORT_USAGE } from './cli-args.js';

export const EXIT_OK = 0;
/** Some rows were bad, or the file could not be imported. */
export const EXIT_BAD_ROWS = 1;
export const EXIT_USAGE = 2;

export interface ImportCommandDeps {
  apply: ApplyMessages;
  stdout: Output;
  stderr: Output;
  /** How often the plain (non-terminal) progress line appears; tests shorten it. */
  progressInterval?: PlainProgressInterval;
}

const HELP = [
  `usage: ${IMPORT_USAGE}`,
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
  'else the row\'s timestamp, else the import time), and the proof: consent_method (default',
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
    deps.stdout.write(`${file}: … and ${count(report.bad - report.errors.length)} more bad rows (only the first ${count(report.errors.length)} are listed)\n`);
  }
  deps.stderr.write(`${file}: ${progressLine(report)} in ${seconds(report.durationMs)}\n`);
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
  let mapping: ColumnMapping;
  try {
    mapping = parseColumnMapping(mapSpecs);
  } catch (error) {
    if (error instanceof ImportError) return usage(deps.stderr, error.message);
    throw error;
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
    const report = await importCsv({
      kind,
      input,
      mapping,
      apply: deps.apply,
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
    if (error instanceof ImportError) {
      deps.stderr.write(`${file}: error: ${error.message}\n`);
      return error.code === 'bad_mapping' ? EXIT_USAGE : EXIT_BAD_ROWS;
    }
    // apply failed (the database) or the file could not be read to its end.
    const message = error instanceof Error ? error.message : String(error);
    deps.stderr.write(
      `${file}: error: the import stopped after about ${count(rowsSoFar)} rows: ${message}\n` +
        `${file}: the rows applied so far stay applied; importing the file again applies only the others\n`,
    );
    return EXIT_BAD_ROWS;
  } finally {
    input.destroy();
    await handle.close().catch(() => {});
  }
}
