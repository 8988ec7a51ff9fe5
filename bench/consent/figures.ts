/**
 * The consent benchmark's figures: what `runConsentBench` returns, and how they are
 * rounded.
 */
export interface MemoryFigures {
  /** VmRSS in MB just before the grants, the highest sampled (once a second) from then until all were in place, and after. */
  beforeMb: number;
  peakMb: number;
  afterMb: number;
}

export interface ConsentBenchFigures {
  seed: { events: number; people: number; batchSize: number; clients: number; ackedPerSecond: number; appliedPerSecond: number };
  baseline: {
    tracks: number;
    concurrency: number;
    ackedPerSecond: number;
    appliedPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    retries: number;
  };
  grants: {
    grants: number;
    concurrency: number;
    ackedPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    retries: number;
    /** Seconds from the first grant sent until the ledger held them all (counted in the database). */
    ledgerCompleteSeconds: number;
    /** Seconds from the first grant sent until Temporal counted as many running lifecycles. */
    workflowsCompleteSeconds: number;
    /** Seconds from the first grant sent until the outbox was empty again (every grant applied and dispatched). */
    outboxEmptySeconds: number;
    /** Grants per second until the ledger records and the lifecycle workflows were all in place. */
    inPlacePerSecond: number;
    /** Grants acknowledged per second over the baseline's tracks acknowledged per second. */
    ackedRatioToBaseline: number;
    /** Grants in place per second over the baseline's tracks applied per second. */
    inPlaceRatioToBaseline: number;
    /** Polls of the ledger or of Temporal's count that failed (and were tried again at the next). */
    pollErrors: number;
  };
  temporal: {
    runningWorkflowsBefore: number;
    runningWorkflowsAfter: number;
    runningLifecyclesAfter: number;
    /** Size of the files under <data dir>/temporal, in MB (the SQLite database, its WAL and shared memory). */
    sqliteMbBefore: number;
    sqliteMbAfter: number;
    sqliteFilesAfter: Record<string, number>;
    /** Growth of those files per grant, in bytes. */
    sqliteBytesPerGrant: number;
    rss: MemoryFigures;
    /** Lines of the dev server's log during the whole run (it logs at warn and above); null when it could not be read. */
    log: {
      bytes: number;
      lines: number;
      errors: number;
      warnings: number;
      persistenceDeadlineExceeded: number;
      workflowTaskTimeouts: number;
      slowGrpcCalls: number;
      namespaceNotFound: number;
    } | null;
  };
  ferretdb: { dataMbBefore: number; dataMbAfter: number; dataBytesPerGrant: number; rss: MemoryFigures };
  itinera: { pid: number; rss: MemoryFigures; loggedWarnings: number; loggedErrors: number };
  /** countDocuments of the collections at the end, after every figure was taken. */
  stored: { profiles: number; events: number; ledgerRecords: number };
  seconds: number;
  loadAverage: number;
  cores: number;
  complete: boolean;
}

export const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
export const mb = (bytes: number) => round(bytes / 1024 / 1024);
export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
