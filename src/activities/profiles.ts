/** Activities that read or change one profile. Inputs and results are ids and booleans. */
import type { Deliverer } from '../channels/deliver.js';
import type { Processes } from '../privacy/erasure.js';
import type { PrivacyKeys } from '../privacy/keys.js';
import type { ConditionIR } from '../dsl/ir.js';
import type { ProfileEventToRecord } from '../model.js';
import type { Logger } from '../logger.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import { conditionHolds } from '../segments/evaluate.js';
import type { SegmentEngine } from '../segments/engine.js';
import type { Stores } from '../store/index.js';
import { millisUntilLocalTime } from '../util/local-time.js';

export interface ActivityDeps {
  stores: Stores;
  now: () => Date;
  /** Used when a profile has no valid `timezone` trait. */
  defaultTimeZone: string;
  /**
   * Records an event on a person's timeline through ingestion (the consent lifecycle's
   * reminders and lapses); resolves once it is durable. Wired by the runtime.
   */
  recordProfileEvent?: (profileId: string, event: ProfileEventToRecord) => Promise<void>;
  /** Where a journey's tags and traits are written and judged (src/profile-changes/pipeline.ts). */
  changes: ProfileChanges;
  /** Runs the segment activities (recompute, clocks) and answers conditions with the kept facts. */
  segments?: SegmentEngine;
  /** Sends e-mails and webhooks (src/channels). */
  deliverer?: Deliverer;
  /** Keyed hashes of the suppression list (src/privacy/keys.ts). */
  privacyKeys?: PrivacyKeys;
  /** Terminates an erased person's durable processes. */
  processes?: Processes;
  /** Starts an erasure's workflow (retention erases inactive people). */
  startErasure?: (requestId: string) => Promise<void>;
  /** Operators' lines of privacy requests' progress (ids, steps and counts only). */
  logger?: Logger;
}

export function createProfileActivities({ stores, now, defaultTimeZone, segments, changes }: ActivityDeps) {
  const holds = async (profileId: string, rulesVersion: number, condition: ConditionIR) => {
    const [profile, rules] = await Promise.all([stores.profiles.findById(profileId), stores.rules.get(rulesVersion)]);
    if (!profile) return false;
    return conditionHolds(stores, profile, rules?.ir.segments ?? [], condition, now(), (await segments?.context()) ?? null);
  };
  return {
    // A person erased meanwhile gets nothing: an edit never brings a profile back.
    async tagProfile(profileId: string, tag: string): Promise<void> {
      await changes.edit(profileId, { kind: 'tag', tag });
    },

    async untagProfile(profileId: string, tag: string): Promise<void> {
      await changes.edit(profileId, { kind: 'untag', tag });
    },

    async setProfileTrait(profileId: string, path: string, value: string | number | boolean | null): Promise<void> {
      await changes.edit(profileId, { kind: 'trait', path, value });
    },

    /**
     * Evaluates a condition on the profile as it is now. `in segment` is answered by
     * evaluating that segment's condition from the same rules version, so membership is
     * exact at this instant rather than as of the last recomputation.
     */
    async evaluateCondition(profileId: string, rulesVersion: number, condition: ConditionIR): Promise<boolean> {
      return holds(profileId, rulesVersion, condition);
    },

    /**
     * A run's `exit when` at entry: whether it holds now. The person is judged by the segment
     * engine too, which from now on signals the run when a change makes the condition true,
     * and sets the person's clock for the instant a window can make it so.
     */
    async judgeExitWhen(profileId: string, rulesVersion: number, condition: ConditionIR): Promise<boolean> {
      await changes.judge(profileId);
      return holds(profileId, rulesVersion, condition);
    },

    async millisUntilLocalTime(profileId: string, time: string): Promise<number> {
      const profile = await stores.profiles.findById(profileId);
      const zone = typeof profile?.traits.timezone === 'string' ? profile.traits.timezone : defaultTimeZone;
      return millisUntilLocalTime(now(), time, zone, defaultTimeZone);
    },
  };
}
