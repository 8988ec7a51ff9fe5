/** Activities that read or change one profile. Inputs and results are ids and booleans. */
import type { ConditionIR, SegmentIR } from '../dsl/ir.js';
import { evaluateCondition } from '../dsl/predicate.js';
import type { Stores } from '../store/index.js';
import { millisUntilLocalTime } from './local-time.js';

export interface ActivityDeps {
  stores: Stores;
  now: () => Date;
  /** Used when a profile has no valid `timezone` trait. */
  defaultTimeZone: string;
}

/** How far back `if` conditions look at a profile's events; bounds the read. */
const EVENT_HISTORY_LIMIT = 10_000;

export function createProfileActivities({ stores, now, defaultTimeZone }: ActivityDeps) {
  return {
    async tagProfile(profileId: string, tag: string): Promise<void> {
      await stores.profiles.addTag(profileId, tag, now());
    },

    async untagProfile(profileId: string, tag: string): Promise<void> {
      await stores.profiles.removeTag(profileId, tag, now());
    },

    async setProfileTrait(profileId: string, path: string, value: string | number | boolean | null): Promise<void> {
      await stores.profiles.setTrait(profileId, path, value, now());
    },

    /** Deny by default: only a granted consent that has not expired counts. */
    async hasConsent(profileId: string, purpose: string): Promise<boolean> {
      const profile = await stores.profiles.findById(profileId);
      const consent = profile?.consents?.[purpose];
      if (!consent || consent.state !== 'granted') return false;
      return consent.expiresAt === undefined || consent.expiresAt.getTime() > now().getTime();
    },

    /**
     * Evaluates a condition on the profile as it is now. `in segment` is answered by
     * evaluating that segment's condition from the same rules version, so membership is
     * exact at this instant rather than as of the last recomputation.
     */
    async evaluateCondition(profileId: string, rulesVersion: number, condition: ConditionIR): Promise<boolean> {
      const [profile, rules, events] = await Promise.all([
        stores.profiles.findById(profileId),
        stores.rules.get(rulesVersion),
        stores.events.collection
          .find({ profileId, type: 'track' }, { projection: { event: 1, type: 1, properties: 1, timestamp: 1 } })
          .sort({ timestamp: -1 })
          .limit(EVENT_HISTORY_LIMIT)
          .toArray(),
      ]);
      if (!profile) return false;
      const segments = new Map<string, SegmentIR>((rules?.ir.segments ?? []).map((s) => [s.name, s]));
      const at = now();
      const subject = {
        profile,
        events,
        segmentMembership: (name: string): boolean => {
          const segment = segments.get(name);
          return segment !== undefined && evaluateCondition(segment.condition, subject, at);
        },
      };
      return evaluateCondition(condition, subject, at);
    },

    async millisUntilLocalTime(profileId: string, time: string): Promise<number> {
      const profile = await stores.profiles.findById(profileId);
      const zone = typeof profile?.traits.timezone === 'string' ? profile.traits.timezone : defaultTimeZone;
      return millisUntilLocalTime(now(), time, zone, defaultTimeZone);
    },
  };
}
