/** What applying events changes on a profile, as the segment engine reads it. */
import type { EventDoc, SegmentChangeReason } from '../model.js';
import type { ProfileChange } from './plan.js';

export function changeOfEvents(events: readonly Pick<EventDoc, '_id' | 'type' | 'event' | 'traits' | 'consent' | 'receivedAt'>[]): {
  change: ProfileChange;
  reason: SegmentChangeReason;
} {
  const names = events.map((event) => (event.type === 'track' ? (event.event ?? 'track') : event.type));
  const latest = events.reduce<(typeof events)[number] | undefined>(
    (last, event) => (!last || event.receivedAt >= last.receivedAt ? event : last),
    undefined,
  );
  return {
    change: {
      events: [...new Set(names)],
      traits: events.some((event) => event.type === 'identify' || event.type === 'group' || event.traits !== undefined),
      consents: events.some((event) => event.consent !== undefined),
    },
    reason: latest ? { kind: 'event', eventId: latest._id } : { kind: 'profile update' },
  };
}
