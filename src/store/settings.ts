import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/** A display name per language; either may be missing (the other, then the default, is shown). */
export interface LabelDoc {
  en?: string;
  pl?: string;
}

/** The privacy page's look and words (`PUT /v1/settings/portal`). */
export interface PortalSettings {
  shopName?: string;
  /** An https URL, or absent: no logo. */
  logoUrl?: string;
  /** `#rrggbb` each; checked for contrast when set. */
  colours?: { accent?: string; background?: string; text?: string };
  /** The data protection officer, shown in the page's footer. */
  dpoContact?: { email?: string; postal?: string };
  /** Display names by trait key, event name and template name. */
  labels?: { traits?: Record<string, LabelDoc>; events?: Record<string, LabelDoc>; templates?: Record<string, LabelDoc> };
}

/** The areas settings are kept for: one document each, by `_id`. */
export type SettingsArea = 'portal';

interface SettingsDoc {
  _id: SettingsArea;
  value: StoredPortalSettings;
  updatedAt: Date;
}

type LabelKind = 'traits' | 'events' | 'templates';
const LABEL_KINDS: LabelKind[] = ['traits', 'events', 'templates'];

/**
 * Labels are kept as lists of `{key, en, pl}`, not as objects keyed by name: a trait path
 * (`address.city`) or a name starting with `$` is not a field name the database takes.
 */
type StoredPortalSettings = Omit<PortalSettings, 'labels'> & {
  labels?: Partial<Record<LabelKind, ({ key: string } & LabelDoc)[]>>;
};

function toStored(value: PortalSettings): StoredPortalSettings {
  const { labels, ...rest } = value;
  if (!labels) return rest;
  const stored: NonNullable<StoredPortalSettings['labels']> = {};
  for (const kind of LABEL_KINDS) {
    const given = labels[kind];
    if (given) stored[kind] = Object.entries(given).map(([key, label]) => ({ key, ...label }));
  }
  return { ...rest, labels: stored };
}

function fromStored(value: StoredPortalSettings): PortalSettings {
  const { labels, ...rest } = value;
  if (!labels) return rest;
  const read: NonNullable<PortalSettings['labels']> = {};
  for (const kind of LABEL_KINDS) {
    const given = labels[kind];
    if (given) read[kind] = Object.fromEntries(given.map(({ key, ...label }) => [key, label]));
  }
  return { ...rest, labels: read };
}

/**
 * Settings an admin changes at run time, without a deploy: one small document per area,
 * read by `_id` (the privacy page reads its area on every page; one lookup).
 */
export class SettingsStore {
  private readonly collection: Collection<SettingsDoc>;

  constructor(db: Db) {
    this.collection = db.collection<SettingsDoc>(COLLECTIONS.settings);
  }

  /** The privacy page's settings and when they last changed, or null when never set. */
  async portal(): Promise<{ value: PortalSettings; updatedAt: Date } | null> {
    const doc = await this.collection.findOne({ _id: 'portal' });
    return doc ? { value: fromStored(doc.value), updatedAt: doc.updatedAt } : null;
  }

  /** Replaces the area's settings as a whole (what the console's form sends is the new state). */
  async setPortal(value: PortalSettings, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: 'portal' }, { $set: { value: toStored(value), updatedAt: now } }, { upsert: true });
  }
}
