/**
 * Where a drip run's time goes, for the journeys benchmark (JOURNEYS_BENCH_PROFILE=0 leaves
 * the database's part out):
 *
 * - CPU per run: this process (API, writer and worker, or the raw-SDK worker) and each
 *   embedded server it started (the Temporal dev server, FerretDB), from /proc, over the drip;
 * - history per run: a sample of the runs' histories, their events by type, workflow tasks,
 *   markers (patches and local activities by name);
 * - database round trips per run: every command the driver sends (its command monitoring),
 *   each put down to the activity that sent it (an activity interceptor marks the async
 *   context), the rest (ingestion, dispatch, the bench's polls through the API) as `outside`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ActivityInboundCallsInterceptor, WorkerOptions } from '@temporalio/worker';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { round } from './numbers.js';

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every common kernel). */
const TICKS_PER_SECOND = 100;

/** CPU ms of this process and of the processes it started (at any depth: the servers run under a watchdog), by command name. */
function cpuNow(): Map<string, number> {
  const usage = process.cpuUsage();
  const cpu = new Map<string, number>([['this process', (usage.user + usage.system) / 1000]]);
  const all: { pid: number; ppid: number; name: string; ms: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid … utime stime: comm may hold spaces, so split after its ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    all.push({ pid: Number(entry), ppid: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, close), ms });
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const proc of all) {
      if (ours.has(proc.ppid) && !ours.has(proc.pid)) {
        ours.add(proc.pid);
        grew = true;
        cpu.set(proc.name, (cpu.get(proc.name) ?? 0) + proc.ms);
      }
    }
  }
  return cpu;
}

/** Starts measuring CPU; `perRun(runs)` gives each process's ms per run since the start. */
export function cpuMeter(): { perRun(runs: number): Record<string, number> } {
  const before = cpuNow();
  return {
    perRun(runs) {
      const after = cpuNow();
      return Object.fromEntries([...after].map(([name, ms]) => [name, round((ms - (before.get(name) ?? 0)) / runs)]));
    },
  };
}

const activityOf = new AsyncLocalStorage<string>();

/** Worker interceptors that mark each activity's async context with its type, for `commandCounter`. */
export const markActivities: NonNullable<WorkerOptions['interceptors']> = {
  activity: [
    (ctx) => {
      const inbound: ActivityInboundCallsInterceptor = {
        execute: (input, next) => activityOf.run(ctx.info.activityType, () => next(input)),
      };
      return { inbound };
    },
  ],
};

/** The URI with the driver's command monitoring on (for the runtime's client only). */
export function monitored(uri: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

const COMMAND_STARTED = 'commandStarted';
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);
type Tally = Map<string, Map<string, number>>;
let tally: Tally | undefined;

/** Every client's command events pass here once it is patched (once per process). */
let patched = false;
function patchClients(): void {
  if (patched) return;
  patched = true;
  // The driver types emit per event; this passes every event through as it came.
  const emit = MongoClient.prototype.emit as (this: MongoClient, event: string | symbol, ...args: unknown[]) => boolean;
  MongoClient.prototype.emit = function (this: MongoClient, event: string | symbol, ...args: unknown[]) {
    if (tally && event === COMMAND_STARTED) {
      const started = args[0] as CommandStartedEvent;
      const target = started.command[started.commandName];
      const key = `${started.commandName}${typeof target === 'string' ? ` ${target}` : ''}`;
      const where = activityOf.getStore() ?? 'outside';
      const counts = tally.get(where) ?? new Map<string, number>();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      tally.set(where, counts);
    }
    return emit.call(this, event, ...args);
  } as typeof MongoClient.prototype.emit;
}

export interface CommandFigures {
  /** Round trips per run, all of them and the writes among them. */
  perRun: { all: number; writes: number };
  /** Per activity type (and `outside`): calls per run by command and collection. */
  byActivity: Record<string, { all: number; writes: number; commands: Record<string, number> }>;
}

/** Counts the commands of clients connected with `monitored(uri)` from now until `stop`. */
export function commandCounter(): { stop(runs: number): CommandFigures } {
  patchClients();
  const counting: Tally = new Map();
  tally = counting;
  return {
    stop(runs) {
      tally = undefined;
      const byActivity: CommandFigures['byActivity'] = {};
      let all = 0;
      let writes = 0;
      for (const [where, counts] of [...counting].sort(([a], [b]) => a.localeCompare(b))) {
        const entries = [...counts].sort(([, a], [, b]) => b - a);
        const whereAll = entries.reduce((sum, [, n]) => sum + n, 0);
        const whereWrites = entries.filter(([key]) => WRITES.has(key.split(' ')[0]!)).reduce((sum, [, n]) => sum + n, 0);
        all += whereAll;
        writes += whereWrites;
        byActivity[where] = {
          all: round(whereAll / runs, 2),
          writes: round(whereWrites / runs, 2),
          commands: Object.fromEntries(entries.map(([key, n]) => [key, round(n / runs, 2)])),
        };
      }
      return { perRun: { all: round(all / runs, 1), writes: round(writes / runs, 1) }, byActivity };
    },
  };
}

export interface HistoryFigures {
  sampled: number;
  /** Per run, averaged over the sample. */
  eventsPerRun: number;
  workflowTasksPerRun: number;
  byType: Record<string, number>;
  /** The patch markers and local activities of one run of the sample, in order. */
  markers: string[];
  /**
   * Workflow tasks that timed out: sampled runs with one, by timeout type (START_TO_CLOSE:
   * the worker held the task too long; SCHEDULE_TO_START: a sticky task no poller took in
   * time), and around the first one the events with their seconds since the task was scheduled.
   */
  taskTimeouts: { runs: number; byType: Record<string, number>; aroundFirst?: string[] };
}

/** The histories of these runs (a sample), summed up. */
export async function historySample(client: Client, workflowIds: string[]): Promise<HistoryFigures> {
  const byType = new Map<string, number>();
  let events = 0;
  let markers: string[] = [];
  const timeouts = { runs: 0, byType: {} as Record<string, number>, aroundFirst: undefined as string[] | undefined };
  for (const [index, workflowId] of workflowIds.entries()) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const names: string[] = [];
    const all = history.events ?? [];
    let timedOut = false;
    for (const [at, event] of all.entries()) {
      events += 1;
      const type = proto.temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
      const short = type.replace(/^EVENT_TYPE_/, '');
      byType.set(short, (byType.get(short) ?? 0) + 1);
      const marker = event.markerRecordedEventAttributes;
      if (index === 0 && marker) names.push(markerName(marker));
      const timeout = event.workflowTaskTimedOutEventAttributes;
      if (timeout) {
        timedOut = true;
        const kind = (proto.temporal.api.enums.v1.TimeoutType[timeout.timeoutType ?? 0] ?? '').replace(/^TIMEOUT_TYPE_/, '');
        timeouts.byType[kind] = (timeouts.byType[kind] ?? 0) + 1;
        timeouts.aroundFirst ??= eventsAround(all, at);
      }
    }
    if (timedOut) timeouts.runs += 1;
    if (index === 0) markers = names;
  }
  const runs = Math.max(1, workflowIds.length);
  return {
    sampled: workflowIds.length,
    eventsPerRun: round(events / runs),
    workflowTasksPerRun: round((byType.get('WORKFLOW_TASK_COMPLETED') ?? 0) / runs, 1),
    byType: Object.fromEntries([...byType].sort(([, a], [, b]) => b - a).map(([type, n]) => [type, round(n / runs, 1)])),
    markers,
    taskTimeouts: { runs: timeouts.runs, byType: timeouts.byType, ...(timeouts.aroundFirst ? { aroundFirst: timeouts.aroundFirst } : {}) },
  };
}

/** The events from a few before the one at `at` to a few after, each with its seconds since the first of them. */
function eventsAround(events: proto.temporal.api.history.v1.IHistoryEvent[], at: number): string[] {
  const shown = events.slice(Math.max(0, at - 5), at + 4);
  const secondsOf = (event: proto.temporal.api.history.v1.IHistoryEvent) =>
    Number(event.eventTime?.seconds ?? 0) + (event.eventTime?.nanos ?? 0) / 1e9;
  const start = secondsOf(shown[0]!);
  return shown.map((event) => {
    const type = (proto.temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
    const marker = event.markerRecordedEventAttributes;
    return `+${(secondsOf(event) - start).toFixed(2)} s ${type}${marker ? ` (${markerName(marker)})` : ''}`;
  });
}

/** `patch <id>` or `local <activity type>`, from the marker's details. */
function markerName(marker: proto.temporal.api.history.v1.IMarkerRecordedEventAttributes): string {
  const detail = (key: string) => {
    const data = marker.details?.[key]?.payloads?.[0]?.data;
    return data ? (JSON.parse(Buffer.from(data).toString()) as Record<string, unknown>) : undefined;
  };
  if (marker.markerName === 'core_patch') return `patch ${String(detail('patch-data')?.id)}`;
  if (marker.markerName === 'core_local_activity') return `local ${String(detail('data')?.activity_type)}`;
  return marker.markerName ?? 'marker';
}

/** Closed runs of a workflow type, up to `limit`, from the server's visibility. */
export async function closedRuns(client: Client, workflowType: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType = '${workflowType}' AND ExecutionStatus = 'Completed'` })) {
    ids.push(run.workflowId);
    if (ids.length >= limit) break;
  }
  return ids;
}

/** Waits until no run that the query names is still running (the server's visibility). */
export async function allClosed(client: Client, query: string, deadline: number): Promise<void> {
  while ((await client.workflow.count(`${query} AND ExecutionStatus = 'Running'`)).count > 0) {
    if (performance.now() > deadline) throw new Error(`runs still open: ${query}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
