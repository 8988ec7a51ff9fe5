/**
 * The timeline of one simulated run, recorded as the real journey workflow runs: what its
 * activities were asked to do (each at the workflow's virtual time, read while the
 * activity runs: the time-skipping server does not move its clock then), the steps it
 * reached and passed (the workflow's funnel marks, through its sink) and the events the
 * simulation delivered. Marks carry no time: a mark's instant is the latest known one,
 * which is exact because only waits take virtual time and a wait's end is known.
 *
 * Entries are labelled by the IR step that produced them when there is one (its id and
 * kind), so steps this module does not know by name (a run's `on exit` steps, say) show
 * up as what they do: a tag, a send.
 */
import type { ConditionIR, JourneyIR, StepIR } from '../dsl/ir.js';
import { nestedBlocks } from '../dsl/ir-steps.js';
import { cohortPercentile, pickBranch } from '../workflows/cohort.js';
import { describeCondition } from './describe.js';

/** One thing the run did or met, at its simulated instant (epoch ms). */
export type TimelineEntry = { atMs: number; step?: string } & (
  | { kind: 'entered' }
  | { kind: 'refused'; reason: string }
  | { kind: 'event'; event: string; delivered: boolean }
  | { kind: 'tag' | 'untag'; tag: string }
  | { kind: 'set trait'; path: string; value: string | number | boolean | null }
  | {
      kind: 'send';
      channel: 'email' | 'webhook';
      name: string;
      /** The rendered subject of an e-mail. */
      subject?: string;
      /** What would keep it from being sent (`template missing`, `consent email_marketing`…); absent when it would go. */
      problem?: string;
    }
  | { kind: 'wait'; reason: 'wait' | 'wait until' | 'quiet hours'; untilMs: number; endedMs?: number }
  | { kind: 'wait for'; event: string; untilMs: number; outcome?: 'arrived' | 'timed out'; endedMs?: number }
  | { kind: 'branch'; of: 'if' | 'split' | 'wait for'; taken: string; why: string }
  | { kind: 'exit' }
  | { kind: 'end'; outcome: string; atStep?: string }
);

type Edit = { kind: 'tag' | 'untag'; tag: string } | { kind: 'trait'; path: string; value: string | number | boolean | null };

interface Located {
  step: StepIR;
  parent?: string;
  block?: number;
}

function indexSteps(steps: StepIR[], into: Map<string, Located>, parent?: string): Map<string, Located> {
  for (const step of steps) {
    into.set(step.id, parent === undefined ? { step } : { step, parent });
    nestedBlocks(step).forEach((block, index) => {
      indexSteps(block, into, step.id);
      for (const inner of block) into.set(inner.id, { ...into.get(inner.id)!, block: index });
    });
  }
  return into;
}

const BLOCK_NAMES: Record<'if' | 'waitFor', [string, string]> = { if: ['then', 'else'], waitFor: ['then', 'otherwise'] };

export class TimelineRecorder {
  readonly entries: TimelineEntry[] = [];
  private readonly steps: Map<string, Located>;
  /** The latest instant known: that of the last activity, or the end of the last wait passed. */
  private cursor: number;
  /** Effects of a row of instant steps, waiting for the row's marks to name their steps. */
  private readonly unlabelled: TimelineEntry[] = [];
  /** The instant step reached last, whose activity comes next (a step outside a row). */
  private reachedInstant: string | undefined;
  private readonly openWaits = new Map<string, Extract<TimelineEntry, { kind: 'wait' | 'wait for' }>>();
  private readonly delivered: { eventId: string; event: string; atMs: number }[] = [];
  /** Where the next `wait for` starts looking in `delivered`. */
  private waitFrom = 0;
  /** Events the run found matching a `where` (its `eventMatches` activity). */
  private readonly matching = new Set<string>();

  constructor(
    private readonly journey: JourneyIR,
    private readonly profileId: string,
    startMs: number,
  ) {
    this.steps = indexSteps(journey.steps, new Map());
    this.cursor = startMs;
  }

  /** A funnel mark of the workflow: `steps.<id>.reached` or `.passed`. */
  mark(field: string): void {
    const match = /^steps\.(.+)\.(reached|passed)$/.exec(field);
    if (!match) return;
    const [, id, mark] = match as unknown as [string, string, 'reached' | 'passed'];
    if (mark === 'passed') return this.passed(id);
    const located = this.steps.get(id);
    if (located?.parent !== undefined) this.resolveWaitFor(located.parent, located.block!);
    const step = located?.step;
    if (!step) return;
    const base = { atMs: this.cursor, step: id };
    switch (step.kind) {
      case 'tag':
      case 'untag':
      case 'setTrait':
      case 'sendEmail':
      case 'sendWebhook': {
        const row = this.unlabelled.shift();
        if (row) row.step = id;
        else this.reachedInstant = id;
        return;
      }
      case 'wait':
        return this.openWait(id, { ...base, kind: 'wait', reason: 'wait', untilMs: this.cursor + step.ms });
      case 'waitFor':
        return this.openWait(id, { ...base, kind: 'wait for', event: step.event, untilMs: this.cursor + step.timeoutMs });
      case 'split': {
        const percentile = cohortPercentile(this.profileId, this.journey.name, id);
        const shares = step.branches.map((branch) => branch.percent);
        const taken = pickBranch(percentile, shares);
        this.entries.push({
          ...base,
          kind: 'branch',
          of: 'split',
          taken: `branch ${taken + 1} (${shares[taken]}%)`,
          why: `the person's cohort is ${percentile.toFixed(2)} of 100`,
        });
        return;
      }
      case 'exit':
        this.entries.push({ ...base, kind: 'exit' });
        return;
      case 'if':
      case 'waitUntil':
        // Their activity (the condition, the local time) records them.
        this.reachedInstant = id;
        return;
    }
  }

  private openWait(id: string, entry: Extract<TimelineEntry, { kind: 'wait' | 'wait for' }>): void {
    this.entries.push(entry);
    this.openWaits.set(id, entry);
  }

  private passed(id: string): void {
    const located = this.steps.get(id);
    if (located?.step.kind === 'waitFor') this.resolveWaitFor(id, undefined);
    const wait = this.openWaits.get(id);
    if (wait?.kind === 'wait') {
      this.openWaits.delete(id);
      this.cursor = Math.max(this.cursor, wait.untilMs);
    }
  }

  /**
   * A `wait for` ends when a step of one of its blocks is reached, or it is passed (both
   * blocks empty: whether its event came within the time decides, as the run decided).
   */
  private resolveWaitFor(id: string, block: number | undefined): void {
    const wait = this.openWaits.get(id);
    if (wait?.kind !== 'wait for') return;
    this.openWaits.delete(id);
    const step = this.steps.get(id)?.step;
    const where = step?.kind === 'waitFor' && step.where !== undefined;
    // As the run does: only events delivered since the previous `wait for` ended count.
    const candidates = this.delivered.slice(this.waitFrom);
    const found = candidates.findIndex(
      (event) => event.event === wait.event && event.atMs <= wait.untilMs && (!where || this.matching.has(event.eventId)),
    );
    const arrival = found === -1 ? undefined : candidates[found];
    this.waitFrom = found === -1 ? this.delivered.length : this.waitFrom + found + 1;
    const arrived = block === undefined ? arrival !== undefined : block === 0;
    wait.outcome = arrived ? 'arrived' : 'timed out';
    wait.endedMs = arrived ? (arrival?.atMs ?? this.cursor) : wait.untilMs;
    this.cursor = Math.max(this.cursor, wait.endedMs);
    this.entries.push({
      atMs: wait.endedMs,
      step: id,
      kind: 'branch',
      of: 'wait for',
      taken: BLOCK_NAMES.waitFor[arrived ? 0 : 1],
      why: arrived ? `"${wait.event}" arrived` : `no "${wait.event}" in time`,
    });
  }

  private stepOf(label?: string): string | undefined {
    const step = label ?? this.reachedInstant;
    this.reachedInstant = undefined;
    return step;
  }

  /** An activity's instant: the virtual clock read while it ran. */
  private at(atMs: number): number {
    this.cursor = Math.max(this.cursor, atMs);
    return atMs;
  }

  admitted(atMs: number, verdict: string): void {
    this.entries.push(
      verdict === 'admitted' ? { atMs: this.at(atMs), kind: 'entered' } : { atMs: this.at(atMs), kind: 'refused', reason: verdict },
    );
  }

  /** A profile edit; in a row of instant steps (`inRow`), its step is named by the row's marks. */
  edited(atMs: number, edit: Edit, inRow: boolean): void {
    const entry: TimelineEntry =
      edit.kind === 'trait'
        ? { atMs: this.at(atMs), kind: 'set trait', path: edit.path, value: edit.value }
        : { atMs: this.at(atMs), kind: edit.kind, tag: edit.tag };
    this.label(entry, inRow);
  }

  sent(
    atMs: number,
    send: { step: string; channel: 'email' | 'webhook'; name: string; subject?: string; problem?: string },
    inRow: boolean,
  ): void {
    const { step, ...rest } = send;
    const entry: TimelineEntry = { atMs: this.at(atMs), step, kind: 'send', ...rest };
    // A send names its own step; in a row it still takes its place in the marks' order.
    if (inRow) this.unlabelled.push(entry);
    else this.reachedInstant = undefined;
    this.entries.push(entry);
  }

  private label(entry: TimelineEntry, inRow: boolean): void {
    if (inRow) this.unlabelled.push(entry);
    else {
      const step = this.stepOf();
      if (step !== undefined) entry.step = step;
    }
    this.entries.push(entry);
  }

  /** An `if` (or the run's `exit when`) judged. */
  judged(atMs: number, condition: ConditionIR, held: boolean, purpose: 'if' | 'exit when'): void {
    const text = describeCondition(condition);
    if (purpose === 'exit when') {
      if (held) this.entries.push({ atMs: this.at(atMs), kind: 'branch', of: 'if', taken: 'exit', why: `exit when ${text} held` });
      return;
    }
    const step = this.stepOf();
    this.entries.push({
      atMs: this.at(atMs),
      ...(step === undefined ? {} : { step }),
      kind: 'branch',
      of: 'if',
      taken: BLOCK_NAMES.if[held ? 0 : 1],
      why: `${text} ${held ? 'held' : 'did not hold'}`,
    });
  }

  /** A wait whose length an activity worked out: `wait until` a local time, or quiet hours before a send. */
  held(atMs: number, reason: 'wait until' | 'quiet hours', ms: number): void {
    const step = reason === 'wait until' ? this.stepOf() : undefined;
    if (ms <= 0 && reason === 'quiet hours') return;
    const entry: TimelineEntry = { atMs: this.at(atMs), ...(step === undefined ? {} : { step }), kind: 'wait', reason, untilMs: atMs + ms };
    this.entries.push(entry);
    this.cursor = Math.max(this.cursor, atMs + ms);
  }

  /** The run found the event matching a `where` clause. */
  matched(eventId: string): void {
    this.matching.add(eventId);
  }

  /** An event of the person's at its instant; `delivered`: the run was signalled with it (a trigger starts the run instead). */
  happened(atMs: number, event: { eventId: string; event: string }, delivered: boolean, trigger = false): void {
    if (delivered && !trigger) this.delivered.push({ eventId: event.eventId, event: event.event, atMs });
    this.entries.push({ atMs, kind: 'event', event: event.event, delivered });
  }

  /** The run left the journey: every wait still open ended here. */
  ended(atMs: number, outcome: string, atStep?: string): void {
    const at = this.at(atMs);
    for (const wait of this.openWaits.values()) wait.endedMs = Math.min(at, wait.untilMs);
    this.openWaits.clear();
    this.entries.push({ atMs: at, kind: 'end', outcome, ...(atStep === undefined ? {} : { atStep }) });
  }

  /** How the run ended, when it ended without leaving the journey (refused at entry, never triggered). */
  finished(outcome: string): void {
    if (this.entries.some((entry) => entry.kind === 'end')) return;
    this.entries.push({ atMs: this.cursor, kind: 'end', outcome });
  }

  /** The entries in time order (ties as recorded). */
  sorted(): TimelineEntry[] {
    return this.entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.atMs - b.entry.atMs || a.index - b.index)
      .map(({ entry }) => entry);
  }
}
