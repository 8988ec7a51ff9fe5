/**
 * Changes of a profile that are not events: what each writes (the pipeline's "record"
 * step) and how the segment engine is told of it (its "judge" step).
 */
import type { ProfileDoc } from '../model.js';
import type { Refresh } from '../segments/engine.js';
import type { Stores } from '../store/index.js';

export type ProfileEdit =
  /** A journey's `tag` / `untag` step. */
  | { kind: 'tag'; tag: string }
  | { kind: 'untag'; tag: string }
  /** A journey's `set trait` step: a path, dots allowed. */
  | { kind: 'trait'; path: string; value: string | number | boolean | null }
  /** Rectification (art. 16): top-level traits corrected or removed. */
  | { kind: 'rectify'; set: Record<string, unknown>; removed: readonly string[] }
  /** Restriction of processing (art. 18), and its lifting. */
  | { kind: 'restrict'; restriction: NonNullable<ProfileDoc['restricted']> }
  | { kind: 'unrestrict' };

export interface RecordedEdit {
  /** Where the edit landed: the survivor, if the person was merged. */
  profileId: string;
  changed: boolean;
  /** The profile as read by a guarded edit (a restriction), when it was read. */
  profile?: ProfileDoc;
}

/** The pipeline's "record" step for an edit: one write; null when the profile is gone. */
export async function recordEdit(stores: Stores, profileId: string, edit: ProfileEdit, now: Date): Promise<RecordedEdit | null> {
  const { profiles } = stores;
  const landed = (id: string | null): RecordedEdit | null => (id === null ? null : { profileId: id, changed: true });
  switch (edit.kind) {
    case 'tag':
      return landed(await profiles.addTag(profileId, edit.tag, now));
    case 'untag':
      return landed(await profiles.removeTag(profileId, edit.tag, now));
    case 'trait':
      return landed(await profiles.setTrait(profileId, edit.path, edit.value, now));
    case 'rectify':
      return landed(await profiles.rectifyTraits(profileId, edit.set, edit.removed, now));
    case 'restrict':
    case 'unrestrict': {
      // Set once: a repeated restriction keeps the first `since`; lifting one not there writes nothing.
      const restricting = edit.kind === 'restrict';
      const decided = await profiles.decideAndSet(profileId, (profile) => ({
        profile,
        ...(Boolean(profile.restricted) !== restricting ? { set: { restricted: restricting ? edit.restriction : null } } : {}),
      }));
      return decided ? { profileId: decided.profile._id, changed: decided.set !== undefined, profile: decided.profile } : null;
    }
  }
}

/** The pipeline's "judge" step for an edit: what the segment engine re-reads, and why. */
export function judgedAs(edit: ProfileEdit): Pick<Refresh, 'change' | 'reason'> {
  switch (edit.kind) {
    case 'tag':
    case 'untag':
      return { change: { tags: true }, reason: { kind: 'profile update' } };
    case 'trait':
    case 'rectify':
      return { change: { traits: true }, reason: { kind: 'profile update' } };
    case 'restrict':
    case 'unrestrict':
      return { change: { all: true }, reason: { kind: 'restriction' } };
  }
}
