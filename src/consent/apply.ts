/**
 * Applies the consent that stored events carry: ledger records first (immutable, written
 * once under ids derived from the events), then the profile's projection and the list of
 * the person's records, in one guarded write. A crash in between leaves
 * records the profile does not list yet; applying the events again (the outbox sweeper
 * does) lists them without writing anything twice.
 */
import type { EventDoc, ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import { decideConsent, type ConsentEvent } from './decide.js';

/** When a consent was given: the event's time, but never later than its arrival (a client clock ahead). */
export function consentTime(event: Pick<EventDoc, 'timestamp' | 'receivedAt'>): Date {
  return event.timestamp.getTime() > event.receivedAt.getTime() ? event.receivedAt : event.timestamp;
}

export function consentEventsOf(events: readonly EventDoc[]): ConsentEvent[] {
  return events
    .filter((event) => event.consent !== undefined)
    .map((event) => ({ eventId: event._id, at: consentTime(event), consent: event.consent! }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * The profile after its events' consent is applied, or null when none of them carries
 * consent (nothing was read or written) or the profile is gone.
 */
export async function applyConsents(stores: Stores, profileId: string, events: readonly EventDoc[], now: Date): Promise<ProfileDoc | null> {
  const consentEvents = consentEventsOf(events);
  if (consentEvents.length === 0) return null;
  const rules = await stores.rules.active();
  const outcome = await stores.profiles.decideAndSet(profileId, async (profile) => {
    const decision = decideConsent({
      profileId: profile._id,
      current: profile.consents ?? {},
      log: new Set(profile.consentLog ?? []),
      events: consentEvents,
      consents: rules?.ir.consents ?? [],
      ...(rules ? { rulesVersion: rules._id } : {}),
      now,
    });
    if (decision.records.length === 0 && !decision.changed) return { profile };
    for (const record of decision.records) await stores.consents.append(record);
    const set = {
      consents: decision.projection,
      consentLog: [...(profile.consentLog ?? []), ...decision.records.map((record) => record._id)],
      updatedAt: now,
    };
    // Guarded by the profile as read (decideAndSet's default): another write in between decides again.
    return { profile: { ...profile, ...set }, set };
  });
  return outcome?.profile ?? null;
}
