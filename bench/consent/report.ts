/**
 * The consent benchmark's figures as a table for people, printed after their JSON.
 */
import { WORKFLOW_TYPE } from './messages.js';
import type { ConsentBenchFigures, MemoryFigures } from './figures.js';

function table(rows: [string, string | number][]): string {
  const width = Math.max(...rows.filter(([name]) => !name.startsWith('--')).map(([name]) => name.length));
  return rows
    .map(([name, value]) => (name.startsWith('--') ? `\n${name.slice(2).trim()}` : `  ${name.padEnd(width)}  ${value}`))
    .join('\n');
}

const n = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : 'not reached');
const memoryRow = (m: MemoryFigures) => `${n(m.beforeMb)} MB before, ${n(m.peakMb)} MB peak, ${n(m.afterMb)} MB after`;

/** The figures as rows, a heading before each part. */
export function consentReport(f: ConsentBenchFigures): string {
  return table([
    ['-- database grown first (/v1/batch)', ''],
    ['events / people', `${n(f.seed.events)} / ${n(f.seed.people)}`],
    ['acknowledged / applied', `${n(f.seed.ackedPerSecond)} / ${n(f.seed.appliedPerSecond)} events/s`],
    ['-- baseline: /v1/track, a new person each', ''],
    ['tracks, concurrency', `${n(f.baseline.tracks)}, ${f.baseline.concurrency}`],
    [
      'acknowledged',
      `${n(f.baseline.ackedPerSecond)} events/s (p50 ${f.baseline.p50Ms} ms, p99 ${f.baseline.p99Ms} ms, ${f.baseline.retries} retries)`,
    ],
    ['applied (outbox empty)', `${n(f.baseline.appliedPerSecond)} events/s`],
    ['-- grants: POST /v1/consents, a new person each, expiring with a reminder', ''],
    ['grants, concurrency', `${n(f.grants.grants)}, ${f.grants.concurrency}`],
    [
      'acknowledged',
      `${n(f.grants.ackedPerSecond)} grants/s (p50 ${f.grants.p50Ms} ms, p99 ${f.grants.p99Ms} ms, ${f.grants.retries} retries)`,
    ],
    ['ratio to baseline (acknowledged)', `${f.grants.ackedRatioToBaseline}`],
    ['ledger complete after', `${n(f.grants.ledgerCompleteSeconds)} s`],
    ['lifecycles running after', `${n(f.grants.workflowsCompleteSeconds)} s`],
    ['outbox empty after', `${n(f.grants.outboxEmptySeconds)} s`],
    ['all in place', `${n(f.grants.inPlacePerSecond)} grants/s (ratio to baseline applied: ${f.grants.inPlaceRatioToBaseline})`],
    ['failed polls (tried again)', `${n(f.grants.pollErrors)}`],
    ['-- Temporal dev server', ''],
    [
      'running workflows before / after',
      `${n(f.temporal.runningWorkflowsBefore)} / ${n(f.temporal.runningWorkflowsAfter)} (${n(f.temporal.runningLifecyclesAfter)} ${WORKFLOW_TYPE})`,
    ],
    [
      'SQLite files before / after',
      `${n(f.temporal.sqliteMbBefore)} MB / ${n(f.temporal.sqliteMbAfter)} MB (${n(f.temporal.sqliteBytesPerGrant)} bytes per grant)`,
    ],
    [
      'SQLite files after',
      Object.entries(f.temporal.sqliteFilesAfter)
        .map(([name, size]) => `${name} ${size} MB`)
        .join(', '),
    ],
    ['RSS', memoryRow(f.temporal.rss)],
    ...(f.temporal.log
      ? ([
          [
            'log',
            `${n(f.temporal.log.lines)} lines (${n(f.temporal.log.bytes)} bytes): ${n(f.temporal.log.errors)} errors, ${n(f.temporal.log.warnings)} warnings`,
          ],
          [
            'of which',
            `${n(f.temporal.log.persistenceDeadlineExceeded)} persistence deadlines exceeded, ${n(f.temporal.log.workflowTaskTimeouts)} workflow task timeouts, ${n(f.temporal.log.slowGrpcCalls)} slow gRPC calls, ${n(f.temporal.log.namespaceNotFound)} "namespace not found"`,
          ],
        ] satisfies [string, string][])
      : ([['log', 'could not be read']] satisfies [string, string][])),
    ['-- FerretDB', ''],
    [
      'data before / after',
      `${n(f.ferretdb.dataMbBefore)} MB / ${n(f.ferretdb.dataMbAfter)} MB (${n(f.ferretdb.dataBytesPerGrant)} bytes per grant)`,
    ],
    ['RSS', memoryRow(f.ferretdb.rss)],
    ['-- Itinera (node dist/main.js)', ''],
    ['RSS', memoryRow(f.itinera.rss)],
    ['logged warnings / errors', `${n(f.itinera.loggedWarnings)} / ${n(f.itinera.loggedErrors)}`],
    ['-- stored at the end (countDocuments)', ''],
    ['profiles / events / ledger records', `${n(f.stored.profiles)} / ${n(f.stored.events)} / ${n(f.stored.ledgerRecords)}`],
    ['-- run', ''],
    ['whole bench', `${n(f.seconds)} s on ${f.cores} cores, load average ${f.loadAverage} at the start`],
    ['complete', f.complete ? 'yes: every grant in the ledger and its lifecycle running' : 'NO: gave up waiting (see above)'],
  ]);
}
