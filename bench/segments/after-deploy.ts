/**
 * Entry and window exit right after a deploy (issue 32, "segments exact from deploy"): a
 * new segment `performed "Bench After Deploy" within 10 seconds` is deployed beside the
 * rules already active, and at once `samples` people each send one such event, four at a
 * time. Measured: request sent → entry stored (the change's own time), and the instant
 * the window closed → exit stored, with nobody writing; and whether the segment was still
 * computing when the last exit was read (on a grown database its recompute takes minutes,
 * so every figure is one of a segment being computed). Targets: p99 under a second, both.
 */
import { ADMIN_KEY, WRITE_KEY, type Bench } from '../in-process.js';
import { inParallel } from '../grown-database.js';

const WINDOW_MS = 10_000;
const SEGMENT = 'after_deploy_ping';
const EVENT = 'Bench After Deploy';

const round = (value: number) => Math.round(value * 10) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (message: string) => console.error(`[segments bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

interface Change {
  segment: string;
  change: string;
  at: string;
}

/** `rules`: the source active before (kept); `userIdOf(i)`: the i-th person to send the event. */
export async function measureAfterDeploy(bench: Bench, rules: string, userIdOf: (i: number) => string, samples: number) {
  const historyOf = async (userId: string) => {
    const profile = (await bench.call('GET', `/v1/profiles/lookup?userId=${encodeURIComponent(userId)}`)) as { id: string };
    return (await bench.call('GET', `/v1/profiles/${profile.id}/segments/history`)).changes as Change[];
  };
  const stateOf = async () =>
    ((await bench.call('GET', '/v1/segments')).segments as { name: string; state: string }[]).find((segment) => segment.name === SEGMENT)
      ?.state;

  const source = `${rules}\nsegment ${SEGMENT} {\n  performed "${EVENT}" within 10 seconds\n}\n`;
  await bench.call('PUT', '/v1/rules', source, ADMIN_KEY, 'text/plain');
  const sent = new Map<string, { sentAt: number; eventAt: number }>();
  let next = 0;
  await inParallel(4, async () => {
    for (let i = next++; i < samples; i = next++) {
      const userId = userIdOf(i);
      const sentAt = Date.now();
      const timestamp = new Date(sentAt).toISOString();
      sent.set(userId, { sentAt, eventAt: Date.parse(timestamp) });
      await bench.call('POST', '/v1/track', { userId, event: EVENT, messageId: `after-deploy-${i}`, timestamp }, WRITE_KEY);
    }
  });
  await bench.runtime.writer.drain();
  const stateAfterEntries = await stateOf();

  // Entries and exits are both read once the last window has closed, as the window-close
  // figure is (reading while they close would load the servers being measured).
  const lastClose = Math.max(...[...sent.values()].map(({ eventAt }) => eventAt)) + WINDOW_MS;
  await delay(Math.max(0, lastClose + 1_000 - Date.now()));
  const entryLatencies: number[] = [];
  const exitLags: number[] = [];
  const waiting = new Map(sent);
  const deadline = lastClose + 60_000;
  let missingEntries = 0;
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const [userId, { sentAt, eventAt }] of waiting) {
      const changes = (await historyOf(userId)).filter((change) => change.segment === SEGMENT);
      const exited = changes.find((change) => change.change === 'exited');
      if (!exited) continue;
      const entered = changes.find((change) => change.change === 'entered');
      if (entered) entryLatencies.push(Date.parse(entered.at) - sentAt);
      else missingEntries += 1;
      exitLags.push(Date.parse(exited.at) - (eventAt + WINDOW_MS));
      waiting.delete(userId);
    }
    if (waiting.size > 0) await delay(1_000);
  }
  const stateAtEnd = await stateOf();
  entryLatencies.sort((a, b) => a - b);
  exitLags.sort((a, b) => a - b);
  const figures = {
    samples,
    segmentState: { afterEntries: stateAfterEntries, atEnd: stateAtEnd },
    entry: {
      measured: entryLatencies.length,
      missing: missingEntries,
      p50Ms: round(percentile(entryLatencies, 50)),
      p99Ms: round(percentile(entryLatencies, 99)),
    },
    windowExit: {
      measured: exitLags.length,
      missing: waiting.size,
      p50Ms: round(percentile(exitLags, 50)),
      p99Ms: round(percentile(exitLags, 99)),
      overOneSecond: exitLags.filter((lag) => lag > 1000).length,
    },
  };
  const within = (ok: boolean) => (ok ? 'within target (p99 < 1 s)' : 'BEYOND target (p99 < 1 s)');
  log(
    `right after a deploy (segment ${stateAtEnd ?? 'gone'} at the end): entry p99 ${figures.entry.p99Ms} ms ${within(figures.entry.p99Ms < 1000 && missingEntries === 0)}; ` +
      `window exit p99 ${figures.windowExit.p99Ms} ms ${within(figures.windowExit.p99Ms < 1000 && waiting.size === 0)} ` +
      `(2026-12-07 before: entry 2.4 s, exit 1.5 s)`,
  );
  return figures;
}
