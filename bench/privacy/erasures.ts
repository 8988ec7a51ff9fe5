/**
 * The erasure (art. 17) of each subject, measured: requested, polled until completed, when
 * each step finished and what was removed; then the person must be gone, and a new event
 * with their userId accepted yet not bring them back (suppression). An erasure before them
 * is not measured.
 */
import { log, type PrivacyApi } from './api.js';
import type { Checker } from './figures.js';
import type { Subject } from './messages.js';

const erasureDone = (status: Record<string, unknown>) => status.status === 'completed' || status.status === 'failed';

/** One erasure of a seed person, not measured, so that the light subject does not pay for the first erasure workflow. */
export async function warmUpErasure(api: PrivacyApi, warmUpUserId: string): Promise<void> {
  const { expect, follow } = api;
  const opened = await expect(202, 'POST', '/v1/privacy/erasures', { userId: warmUpUserId });
  const { status } = await follow(`/v1/privacy/erasures/${String(opened.id)}`, opened, erasureDone);
  log(`warm-up erasure of ${warmUpUserId}: ${String(status.status)}, ${JSON.stringify(status.removed)}`);
}

/** Each subject's erasure, light then heavy: its figures by subject. `applied` waits until the outbox is empty. */
export async function measureErasures(
  api: PrivacyApi,
  subjects: Subject[],
  profileIds: Record<string, string>,
  check: Checker,
  applied: (since: number, what: string) => Promise<number>,
): Promise<Record<string, Record<string, unknown>>> {
  const { request, expect, follow, writeAuth } = api;
  const erasures: Record<string, Record<string, unknown>> = {};
  for (const subject of subjects) {
    const posted = performance.now();
    const opened = await expect(202, 'POST', '/v1/privacy/erasures', { userId: subject.userId, reason: 'privacy bench' });
    const id = String(opened.id);
    const { status, polls } = await follow(`/v1/privacy/erasures/${id}`, opened, erasureDone);
    const completedMs = performance.now() - posted;
    check(`${subject.name} erasure completed`, status.status === 'completed', `status ${String(status.status)}`);
    const removed = (status.removed ?? {}) as Record<string, number>;
    check(
      `${subject.name} erasure removed the profile and ${subject.tracks}+ events`,
      removed.profiles === 1 && (removed.events ?? 0) >= subject.tracks,
      JSON.stringify(removed),
    );

    // When each step finished, from the request's creation (the server's clock), and how long each took.
    const createdAt = Date.parse(String(status.createdAt));
    const steps = (status.steps ?? {}) as Record<string, string>;
    const stepFinishedMs: Record<string, number> = {};
    const stepMs: Record<string, number> = {};
    let previous = createdAt;
    for (const [step, at] of Object.entries(steps).sort(([, a], [, b]) => Date.parse(a) - Date.parse(b))) {
      stepFinishedMs[step] = Date.parse(at) - createdAt;
      stepMs[step] = Date.parse(at) - previous;
      previous = Date.parse(at);
    }
    if (typeof status.completedAt === 'string') stepFinishedMs.completed = Date.parse(status.completedAt) - createdAt;

    const byUserId = await request('GET', `/v1/profiles/lookup?userId=${encodeURIComponent(subject.userId)}`);
    const byEmail = await request('GET', `/v1/profiles/lookup?email=${encodeURIComponent(subject.email)}`);
    const byId = await request('GET', `/v1/profiles/${encodeURIComponent(profileIds[subject.name]!)}`);
    check(
      `${subject.name} person is gone (lookup by userId, by e-mail and by id 404)`,
      byUserId.status === 404 && byEmail.status === 404 && byId.status === 404,
      `${byUserId.status}, ${byEmail.status}, ${byId.status}`,
    );

    const comeback = await request(
      'POST',
      '/v1/track',
      { userId: subject.userId, event: 'Product Viewed', messageId: `${subject.name}-after-erasure`, properties: { sku: 'sku-1' } },
      writeAuth,
    );
    check(`${subject.name} event after the erasure accepted`, comeback.status === 200, `status ${comeback.status}`);
    await applied(performance.now(), `${subject.name} event after the erasure`);
    const lookedUpAgain = await request('GET', `/v1/profiles/lookup?userId=${encodeURIComponent(subject.userId)}`);
    check(
      `${subject.name} event after the erasure did not bring the person back`,
      lookedUpAgain.status === 404,
      `lookup ${lookedUpAgain.status}`,
    );
    const suppressions = ((await expect(200, 'GET', '/v1/privacy/suppressions')).suppressions ?? []) as {
      requestId: string;
      kind: string;
      dropped: number;
    }[];
    const theirs = suppressions.filter((entry) => entry.requestId === id);

    erasures[subject.name] = {
      id,
      completedMs: Math.round(completedMs),
      /** createdAt → completedAt of the request, without the bench's polling. */
      serverMs: typeof status.completedAt === 'string' ? Date.parse(status.completedAt) - createdAt : null,
      polls,
      stepFinishedMs,
      stepMs,
      removed,
      suppressions: theirs.map(({ kind, dropped }) => ({ kind, dropped })),
    };
    log(`${subject.name} erasure: ${JSON.stringify(erasures[subject.name])}`);
  }
  return erasures;
}
