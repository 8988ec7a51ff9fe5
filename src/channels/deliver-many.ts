/**
 * Delivering a broadcast's batch at the speed of the mail server: the same checks and the
 * same records as `deliver` (src/channels/deliver.ts) for each message, but each kind of
 * read and write made once per group of messages instead of once per message.
 *
 * Per group (GROUP_SIZE messages):
 *   1. one `$in` read each of the messages' records, the people, (once per batch) the cap
 *      and the templates;
 *   2. the per-person decision of src/channels/send-checks.ts — erased, restricted, consent
 *      at this moment, the frequency cap, an address — the same functions `deliver` runs;
 *   3. one insert of the messages never recorded (each carries its person's id: erasure and
 *      export find it by that index), then one update of those recorded before, recording
 *      every refusal as final and every message to send as `sending`
 *      (claimed, its attempt counted), each step guarded as `advance` guards one: a
 *      message final already (an earlier attempt sent it) is refused and not sent again;
 *   4. the e-mails rendered, then handed to the mailer's pool of connections, many at once,
 *      while the next group is read and claimed;
 *   5. the final states (`sent`, `failed`) recorded as the answers come, in bulk writes of
 *      whatever answered meanwhile.
 *
 * The promise is `deliver`'s, per message: a message is claimed before it leaves and
 * recorded final after; a retried batch skips every message recorded final. A message
 * claimed but not known to be sent (the process died between the claim and the record of
 * the answer) is sent again by the retried batch, with the same Message-ID, derived from
 * its key, so the receiving mailbox keeps one; its `attempts` then says 2.
 */
import { FINAL_DELIVERY_STATUSES, type BroadcastRequest, type ProfileDoc } from '../model.js';
import type { BatchStep, DeliveryDoc } from '../store/deliveries.js';
import type { FrequencyCapDoc } from '../store/frequency-caps.js';
import type { Stores } from '../store/index.js';
import type { TemplateDoc } from '../store/templates.js';
import { forEachInParallel } from '../util/in-parallel.js';
import type { DelivererDeps, DeliveryOutcome } from './send-checks.js';
import type { OutgoingMail } from './mailer.js';
import { composeEmail, emailRefusal, holdForCap, isMarketing, personRefusal, unsubscribeUrlOf } from './send-checks.js';

/**
 * Messages read, decided and claimed together: one round trip of each kind per group. The
 * first group is small, so the pool starts sending soon after the batch begins.
 */
const GROUP_SIZE = 250;
const FIRST_GROUP_SIZE = 50;
const PREPARED_AT_ONCE = 2;
/** Under a rate: a group holds about this long's worth of messages. */
const PACED_GROUP_MS = 200;
/** Final states per write at most, and the longest an answer waits for its write. */
const FINALS_PER_WRITE = 200;
const FINALS_WAIT_MS = 100;
/** Sends handed to the mailer at once: its pool of connections queues them, never idle for want of the next. */
const SENDS_AT_ONCE = 64;
/** Capped people take their slots this many at a time (a read and a write each). */
const CAP_SLOTS_AT_ONCE = 16;

export interface BatchOptions {
  /** Message i leaves no earlier than i × gapMs after the batch began (a rate). */
  gapMs?: number;
  /** A refusal-for-now (SMTP 4xx, a dropped connection) is tried this many times in all, then recorded failed. */
  tries?: number;
  /** The pause before the n-th retry: n × this. */
  retryPauseMs?: number;
  /**
   * Asked before each group after the first is read and claimed: false stops the batch there
   * (a broadcast paused or cancelled meanwhile). The groups claimed already are sent; the
   * requests never reached keep an undefined outcome.
   */
  continueWhile?: () => Promise<boolean>;
}

/** A member to decide for: their message, whether it is recorded already (not final), the person. */
interface Decided {
  index: number;
  request: BroadcastRequest;
  profile: ProfileDoc;
  recorded: boolean;
}

/** A claimed message, ready to leave. */
interface Ready {
  index: number;
  request: BroadcastRequest;
  mail: OutgoingMail;
}

/** A one-shot wake-up for every waiter; `fire` wakes them and returns the next one. */
function signal(): { promise: Promise<void>; fire(): ReturnType<typeof signal> } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return {
    promise,
    fire() {
      resolve();
      return signal();
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outcomeOf = (doc: DeliveryDoc): DeliveryOutcome => ({ status: doc.status, ...(doc.detail ? { detail: doc.detail } : {}) });

export function createBatchDelivery(deps: DelivererDeps) {
  const { stores, now } = deps;

  return async function deliverMany(
    requests: readonly BroadcastRequest[],
    options: BatchOptions = {},
  ): Promise<(DeliveryOutcome | undefined)[]> {
    const { gapMs = 0, tries = 3, retryPauseMs = 1_000, continueWhile } = options;
    const began = Date.now();
    const outcomes: (DeliveryOutcome | undefined)[] = new Array(requests.length);
    const finals = finalRecorder(stores, now, outcomes);

    // Read once for the whole batch: one cap per channel, one template per name.
    let cap: Promise<FrequencyCapDoc | null> | undefined;
    const capOf = () => (cap ??= stores.frequencyCaps.get('email'));
    const templates = new Map<string, Promise<TemplateDoc | null>>();
    const templateOf = (name: string) => {
      if (!templates.has(name)) templates.set(name, stores.templates.get(name));
      return templates.get(name)!;
    };

    /** Steps 1–3 and the rendering of one group: what is left to send. */
    async function prepare(first: number, group: readonly BroadcastRequest[]): Promise<Ready[]> {
      const at = now();
      const marketing = group.some(isMarketing);
      const [earlier, profiles, capDoc] = await Promise.all([
        stores.deliveries.findByKeys(group.map((request) => request.key)),
        stores.profiles.findByIds([...new Set(group.map((request) => request.profileId))]),
        marketing ? capOf() : null,
        ...[...new Set(group.map((request) => request.name))].map(templateOf),
      ]);
      const decided: Decided[] = [];
      group.forEach((request, k) => {
        const index = first + k;
        const before = earlier.get(request.key);
        if (before && FINAL_DELIVERY_STATUSES.includes(before.status)) {
          outcomes[index] = outcomeOf(before);
          return;
        }
        const profile = profiles.get(request.profileId);
        // Erased since the audience was taken: nothing is sent and nothing recorded about them.
        if (!profile) {
          outcomes[index] = { status: 'skipped', detail: 'no profile' };
          return;
        }
        decided.push({ index, request, profile, recorded: before !== undefined });
      });

      const steps: (Decided & BatchStep)[] = [];
      const held = new Set<number>();
      const passing: typeof decided = [];
      for (const item of decided) {
        const refused = personRefusal(item.request, item.profile, at);
        if (refused) steps.push({ ...item, step: { status: refused.status, at, detail: refused.detail } });
        else passing.push(item);
      }
      if (capDoc)
        await forEachInParallel(
          passing.filter(({ request }) => isMarketing(request)),
          CAP_SLOTS_AT_ONCE,
          async ({ index, request, profile }) => {
            const hold = await holdForCap(deps, request, profile, capDoc);
            if (!hold) return;
            held.add(index);
            outcomes[index] = hold;
          },
        );
      for (const item of passing) {
        if (held.has(item.index)) continue;
        const refused = emailRefusal(deps.mailer, await templateOf(item.request.name), item.profile);
        steps.push({ ...item, step: refused ? { status: refused.status, at, detail: refused.detail } : { status: 'sending', at } });
      }
      const taken = await record(stores, steps, outcomes);
      const ready: Ready[] = [];
      for (const { index, request, profile, step } of steps) {
        if (!taken.has(request.key)) continue;
        if (step.status !== 'sending') {
          outcomes[index] = { status: step.status, ...(step.detail ? { detail: step.detail } : {}) };
          continue;
        }
        const unsubscribeUrl = unsubscribeUrlOf(request, profile, deps.links, deps.publicUrl);
        const template = (await templateOf(request.name))!;
        const mail = await composeEmail(
          request,
          profile,
          template,
          { variables: {}, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) },
          deps.mailer!.from,
        );
        if (mail) ready.push({ index, request, mail });
        else finals.add(index, request, 'failed', 'template error');
      }
      return ready;
    }

    /** Step 4: one message to the pool, a refusal-for-now tried again; its final state to the recorder. */
    async function send({ index, request, mail }: Ready): Promise<void> {
      const leaveAt = began + index * gapMs;
      if (leaveAt > Date.now()) await pause(leaveAt - Date.now());
      for (let attempt = 1; ; attempt++) {
        const answer = await deps.mailer!.send(mail);
        if (answer.kind === 'sent') return finals.add(index, request, 'sent', `smtp ${answer.code}`);
        if (answer.kind === 'permanent') return finals.add(index, request, 'failed', `smtp ${answer.code}`);
        if (attempt >= tries) return finals.add(index, request, 'failed', answer.reason);
        await pause(retryPauseMs * attempt);
      }
    }

    // Groups are prepared one ahead of the sends, so the pool never waits on the database.
    const queue: Ready[] = [];
    let producing = true;
    let arrived = signal();
    const groups: [number, number][] = [];
    // Under a rate, groups of about PACED_GROUP_MS of messages, each claimed only once the one
    // before has all its answers: a crash then leaves at most one small group claimed and
    // unsent, and `attempts` counts the messages that really went again. Unpaced, as big and
    // as far ahead as keeps the pool busy.
    const paced = gapMs > 0;
    const pacedSize = Math.max(1, Math.min(GROUP_SIZE, Math.floor(PACED_GROUP_MS / gapMs)));
    for (
      let first = 0, size = paced ? pacedSize : FIRST_GROUP_SIZE;
      first < requests.length;
      first += size, size = paced ? pacedSize : GROUP_SIZE
    )
      groups.push([first, Math.min(requests.length, first + size)]);
    let sending = 0;
    const producer = (async () => {
      try {
        // Two groups prepared at once: the second is read while the first (small) one sends.
        const underWay: Promise<Ready[]>[] = [];
        let launched = 0;
        let stopped = false;
        const launch = async () => {
          if (launched > 0 && continueWhile && !(await continueWhile())) {
            stopped = true;
            return;
          }
          const [first, end] = groups[launched++]!;
          const prepared = prepare(first, requests.slice(first, end));
          prepared.catch(() => undefined); // awaited below, in order; not an unhandled rejection meanwhile
          underWay.push(prepared);
        };
        const more = () => !stopped && launched < groups.length;
        while (more() && underWay.length < (paced ? 1 : PREPARED_AT_ONCE)) await launch();
        while (underWay.length > 0) {
          queue.push(...(await underWay.shift()!));
          arrived = arrived.fire();
          while (paced ? queue.length > 0 || sending > 0 : queue.length >= GROUP_SIZE) await pause(5);
          if (more()) await launch();
        }
      } finally {
        producing = false;
        arrived.fire();
      }
    })();
    const senders = Array.from({ length: SENDS_AT_ONCE }, async () => {
      for (;;) {
        const next = queue.shift();
        if (next) {
          sending++;
          await send(next).finally(() => sending--);
        } else if (producing) await arrived.promise;
        else return;
      }
    });
    // Every sender ends before the batch does (none left sending behind a failed batch's retry).
    const settled = await Promise.allSettled([producer, ...senders]);
    // What answered is recorded even when the batch failed: a retry then sends none of it again.
    await finals.flush();
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return outcomes;
  };
}

/**
 * Step 5: final states recorded in bulk — a write once FINALS_PER_WRITE answers have
 * gathered, or FINALS_WAIT_MS after the first of them, whichever comes first; one write at
 * a time, the answers arriving meanwhile gathering for the next. A message answered and
 * not yet recorded when the process dies is sent again (see above): at most the answers
 * of those few milliseconds and the sends under way.
 */
function finalRecorder(stores: Stores, now: () => Date, outcomes: (DeliveryOutcome | undefined)[]) {
  let pending: { index: number; request: BroadcastRequest; status: 'sent' | 'failed'; detail: string }[] = [];
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;

  async function write(): Promise<void> {
    const taken = pending;
    pending = [];
    // One time for the write: its answers came in within the last few milliseconds.
    const at = now();
    await record(
      stores,
      taken.map(({ index, request, status, detail }) => ({
        index,
        request,
        recorded: true,
        step: { status, at, detail },
        extra: status === 'sent' ? { sentAt: at } : {},
      })),
      outcomes,
    );
  }

  /** Starts a write unless one is under way (which looks again when it ends). */
  function start(): void {
    clearTimeout(timer);
    timer = undefined;
    if (writing || pending.length === 0) return;
    writing = write()
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        writing = undefined;
        schedule();
      });
  }

  function schedule(): void {
    if (pending.length >= FINALS_PER_WRITE) start();
    else if (pending.length > 0 && !timer) timer = setTimeout(start, FINALS_WAIT_MS);
  }

  return {
    add(index: number, request: BroadcastRequest, status: 'sent' | 'failed', detail: string): void {
      outcomes[index] = { status, detail };
      pending.push({ index, request, status, detail });
      if (!writing) schedule();
    },
    async flush(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      while (writing) await writing;
      clearTimeout(timer);
      timer = undefined;
      if (pending.length > 0 && !failure) await write();
      if (failure) throw failure;
    },
  };
}

/**
 * Records a group's steps in a few writes, each step taken as `advance` takes one: the
 * messages never recorded in one insert, the others in one update per kind of step (all
 * claimed alike, all sent alike). A message another attempt made final meanwhile keeps
 * that state, which becomes its outcome. Returns the keys whose step was taken.
 */
async function record(
  stores: Stores,
  steps: readonly (BatchStep & { index: number; request: BroadcastRequest; recorded: boolean })[],
  outcomes: (DeliveryOutcome | undefined)[],
): Promise<Set<string>> {
  const taken = new Set<string>();
  const fresh = steps.filter((item) => !item.recorded);
  const collided = await stores.deliveries.recordFirst(fresh);
  for (const { request } of fresh) if (!collided.has(request.key)) taken.add(request.key);
  // Recorded before, or meanwhile by another attempt: grouped by step, one update each.
  const groups = new Map<string, (typeof steps)[number][]>();
  for (const item of steps)
    if (item.recorded || collided.has(item.request.key)) {
      const kind = `${item.step.status}|${item.step.detail ?? ''}`;
      groups.set(kind, [...(groups.get(kind) ?? []), item]);
    }
  for (const group of groups.values()) {
    const { step, extra } = group[0]!;
    for (const key of await stores.deliveries.advanceAll(
      group.map((item) => item.request),
      step,
      extra,
    ))
      taken.add(key);
  }
  const refused = steps.filter((item) => !taken.has(item.request.key));
  if (refused.length > 0) {
    // Made final by another attempt between our read and our write: theirs stands.
    const docs = await stores.deliveries.findByKeys(refused.map((item) => item.request.key));
    for (const { index, request } of refused) {
      const doc = docs.get(request.key);
      if (doc) outcomes[index] = outcomeOf(doc);
    }
  }
  return taken;
}
