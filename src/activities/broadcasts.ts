/**
 * A broadcast's I/O: taking its audience at the start, sending one batch of it, its state
 * and end. Inputs are the broadcast's name and chunk numbers, results counts and states:
 * the workflow never sees who is in the audience, nor any address.
 *
 * A chunk goes through the deliverer's batch path (src/channels/deliver-many.ts): the
 * same per-person checks as every journey send, at the moment of sending (consent,
 * restriction, erasure, the frequency cap), and the same record under a deterministic key,
 * read and written a group of messages at a time — so a batch retried after a crash finds
 * the messages it sent final and sends them no second time.
 */
import { Context } from '@temporalio/activity';
import type { DeliveryOutcome } from '../channels/deliver.js';
import type { BroadcastIR } from '../dsl/ir.js';
import type { BroadcastRequest } from '../model.js';
import {
  AUDIENCE_CHUNK_SIZE,
  MAX_AUDIENCE_CHUNK_SIZE,
  type BroadcastCounts,
  type BroadcastState,
  type SkipReason,
} from '../store/broadcasts.js';
import { millisUntilLocalTime } from '../util/local-time.js';
import type { ActivityDeps } from './profiles.js';

/** A message the receiver refuses for now is tried this many times in all within its batch, then recorded failed. */
const TRIES_PER_MESSAGE = 3;
const RETRY_PAUSE_MS = 1_000;
const HEARTBEAT_EVERY_MS = 2_000;

/** The message's key: one per broadcast and person (a broadcast runs once, so this is per run too). */
export function broadcastMessageKey(broadcast: string, profileId: string): string {
  return `broadcast:${broadcast}:${profileId}`;
}

/** What the workflow needs to run a broadcast: no person in it. */
export interface BroadcastPlan {
  total: number;
  chunks: number;
  quietHours?: { start: string; end: string };
  timeZone: string;
}

export interface BatchResult {
  /** With a rate: when the next chunk may begin (epoch ms), so that chunks together keep to the rate. */
  nextAtMs?: number;
  /** The state the batch found: anything but `running` and it sent nothing. */
  state: BroadcastState;
  /**
   * Whether the chunk is recorded (by this attempt or an earlier one). Not done while
   * `running`: the quiet hours began during the batch, which stopped there.
   */
  done: boolean;
  counts?: BroadcastCounts;
}

/** A delivery's outcome as a broadcast counts it. */
function tally(counts: BroadcastCounts, outcome: DeliveryOutcome): void {
  if (outcome.status === 'sent') counts.sent++;
  else if (outcome.status === 'failed') counts.failed++;
  else {
    const reason = skipReason(outcome);
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  }
}

function skipReason({ status, detail = '' }: DeliveryOutcome): SkipReason {
  if (status === 'not-configured') return 'not configured';
  // A capped marketing message waits in a journey; a broadcast does not hold its run for one person.
  if (status === 'deferred') return 'frequency cap';
  if (detail.startsWith('consent ')) return 'no consent';
  if (detail === 'restricted') return 'suppressed';
  if (detail === 'no address') return 'no address';
  return 'erased';
}

/**
 * Members per chunk: 1,000 without a rate (a batch then spans about a second at the mail
 * pool's pace: the workflow's turn between batches costs little beside it, and a pause
 * waits that long at most); under a rate, fewer, so that a chunk's sends span about a
 * minute at most (a retried chunk paces again from its start; a pause waits for the chunk
 * under way). The wait after a chunk is the workflow's, on a durable timer.
 */
function chunkSizeFor(ratePerSecond: number | undefined): number {
  if (!ratePerSecond) return MAX_AUDIENCE_CHUNK_SIZE;
  return Math.max(1, Math.min(AUDIENCE_CHUNK_SIZE, Math.floor(ratePerSecond * 60)));
}

export function createBroadcastActivities({ stores, now, deliverer }: ActivityDeps) {
  const channel = () => {
    if (!deliverer) throw new Error('message delivery is not wired into these activities');
    return deliverer;
  };

  async function declaration(rulesVersion: number, name: string): Promise<BroadcastIR> {
    const found = (await stores.rules.get(rulesVersion))?.ir.broadcasts?.find((broadcast) => broadcast.name === name);
    if (!found) throw new Error(`rules version ${rulesVersion} declares no broadcast ${name}`);
    return found;
  }

  function requestFor(broadcast: BroadcastIR, rulesVersion: number, profileId: string): BroadcastRequest {
    return {
      key: broadcastMessageKey(broadcast.name, profileId),
      profileId,
      channel: 'email',
      name: broadcast.template,
      with: broadcast.with,
      ...(broadcast.requiresConsent.length > 0 ? { consents: broadcast.requiresConsent } : {}),
      ...(broadcast.messages ? { messages: broadcast.messages } : {}),
      broadcast: broadcast.name,
      rulesVersion,
    };
  }

  /** Deletes the audience of a broadcast that has ended; nothing for one never started. */
  async function dropAudience(name: string): Promise<void> {
    const doc = await stores.broadcasts.get(name);
    if (doc?.audience && (doc.state === 'completed' || doc.state === 'cancelled'))
      await stores.broadcasts.dropAudience(name, doc.audience.chunks);
  }

  return {
    /**
     * Takes the audience: the segment's members now, in chunks. Once per broadcast: a
     * retry after the audience was fixed returns it as fixed.
     */
    async prepareBroadcast(name: string): Promise<BroadcastPlan> {
      const doc = await stores.broadcasts.get(name);
      if (!doc) throw new Error(`broadcast ${name} was never started`);
      const plan = (audience: { total: number; chunks: number }): BroadcastPlan => ({
        ...audience,
        ...(doc.quietHours ? { quietHours: doc.quietHours } : {}),
        timeZone: doc.timeZone,
      });
      if (doc.audience) return plan(doc.audience);
      const context = Context.current();
      const chunkSize = doc.batchSize ?? chunkSizeFor(doc.ratePerSecond);
      let chunk = 0;
      let total = 0;
      let ids: string[] = [];
      for await (const member of stores.segmentMembers.all(doc.segment)) {
        ids.push(member.profileId);
        total++;
        if (ids.length === chunkSize) {
          await stores.broadcasts.writeAudienceChunk(name, chunk++, ids);
          ids = [];
          context.heartbeat();
        }
      }
      if (ids.length > 0) await stores.broadcasts.writeAudienceChunk(name, chunk++, ids);
      return plan(await stores.broadcasts.fixAudience(name, { total, chunks: chunk }, now()));
    },

    /**
     * Sends chunk `chunk` of the audience, at most at the broadcast's rate, and records its
     * counts once. Sends nothing unless the broadcast is running (a pause or cancel whose
     * signal was lost is still obeyed) or when the chunk is recorded already.
     */
    async sendBroadcastBatch(name: string, chunk: number): Promise<BatchResult> {
      const doc = await stores.broadcasts.get(name);
      if (!doc) throw new Error(`broadcast ${name} was never started`);
      if (doc.doneChunks > chunk) return { state: doc.state, done: true };
      if (doc.state !== 'running') return { state: doc.state, done: false };
      const broadcast = await declaration(doc.rulesVersion, name);
      const profileIds = await stores.broadcasts.audienceChunk(name, chunk);
      const counts: BroadcastCounts = { sent: 0, failed: 0, skipped: {} };
      const context = Context.current();
      const beating = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      // Message i leaves no earlier than i / rate after the batch began; batches follow one another.
      const began = Date.now();
      const gapMs = doc.ratePerSecond ? 1_000 / doc.ratePerSecond : 0;
      // A slow batch stops where the quiet hours begin (the workflow checks them between batches
      // only): the members whose turn falls in them are left for after, neither claimed nor sent.
      const quietAt = doc.quietHours ? began + millisUntilLocalTime(now(), doc.quietHours.start, doc.timeZone, 'UTC') : Infinity;
      const beforeQuiet = gapMs > 0 ? Math.max(0, Math.ceil((quietAt - began) / gapMs)) : quietAt > began ? profileIds.length : 0;
      const due = profileIds.slice(0, beforeQuiet);
      // A pause or cancel stops the chunk at its next group (a second's sends at most), not at its end.
      let stoppedAs: BroadcastState | undefined;
      const continueWhile = async () => {
        const state = (await stores.broadcasts.get(name))?.state ?? 'cancelled';
        if (state !== 'running') stoppedAs = state;
        return stoppedAs === undefined;
      };
      try {
        const outcomes = await channel().deliverMany(
          due.map((profileId) => requestFor(broadcast, doc.rulesVersion, profileId)),
          { gapMs, tries: TRIES_PER_MESSAGE, retryPauseMs: RETRY_PAUSE_MS, continueWhile },
        );
        for (const outcome of outcomes) if (outcome) tally(counts, outcome);
      } finally {
        clearInterval(beating);
      }
      // Not recorded: the chunk is sent again after the pause (or the quiet hours), and finds those already sent final (counted then, once).
      if (stoppedAs) return { state: stoppedAs, done: false };
      if (due.length < profileIds.length) return { state: doc.state, done: false };
      await stores.broadcasts.recordBatch(name, chunk, counts, now());
      return { state: doc.state, done: true, counts, ...(gapMs > 0 ? { nextAtMs: began + profileIds.length * gapMs } : {}) };
    },

    /** The state as stored: what the API last decided (a signal may have been lost on the way). */
    async broadcastState(name: string): Promise<BroadcastState> {
      return (await stores.broadcasts.get(name))?.state ?? 'cancelled';
    },

    async setBroadcastWaiting(name: string, untilMs: number | null): Promise<void> {
      await stores.broadcasts.setWaiting(name, untilMs === null ? null : new Date(untilMs), now());
    },

    /** The end: every chunk recorded. A broadcast cancelled meanwhile stays cancelled. Either way its audience goes. */
    async finishBroadcast(name: string): Promise<BroadcastState> {
      const finished = await stores.broadcasts.transition(name, ['running', 'paused'], 'completed', now());
      const state = finished?.state ?? (await stores.broadcasts.get(name))?.state ?? 'cancelled';
      if (state === 'completed' || state === 'cancelled') await dropAudience(name);
      return state;
    },

    /** A cancelled broadcast's audience goes (see BroadcastStore.dropAudience). */
    async dropBroadcastAudience(name: string): Promise<void> {
      await dropAudience(name);
    },
  };
}
