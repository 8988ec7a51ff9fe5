/**
 * The data catalogue's counts as one process gathers them in memory between flushes
 * (src/store/data-catalog.ts): what one stored event tells the catalogue, and the tallies
 * of names, kinds and counts it adds up to, held to the catalogue's caps.
 */
export const VALUE_KINDS = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** A path seen in one message, with the kind of the value found there (never the value). */
export interface PathSeen {
  path: string;
  kind: ValueKind;
}

/** What one stored event tells the catalogue (built by src/ingest/catalog-paths.ts). */
export interface CatalogObservation {
  /** When it arrived. */
  at: Date;
  /** The event name it counts as, and its property paths; absent for identify, group, alias. */
  event?: { name: string; properties: PathSeen[] };
  /** Trait paths it sets on the profile. */
  traits: PathSeen[];
  /** Consent category names it carries. */
  consentCategories: string[];
  /** Names left out as unrecordable (too long, control characters, looking like an e-mail address). */
  unrecordable: number;
}

export const CATALOG_LIMITS = {
  eventNames: 500,
  propertyPathsPerEvent: 200,
  traitPaths: 500,
  consentCategories: 100,
} as const;

export interface Tally {
  count: number;
  kinds: Map<ValueKind, number>;
  lastSeen?: Date;
}

export interface EventTally {
  count: number;
  lastSeen: Date;
  properties: Map<string, Tally>;
  dropped: number;
}

export interface Pending {
  events: Map<string, EventTally>;
  traits: Map<string, Tally>;
  consent: Map<string, Tally>;
  droppedEvents: number;
  droppedTraits: number;
  droppedConsent: number;
  unrecordable: number;
}

export const emptyPending = (): Pending => ({
  events: new Map(),
  traits: new Map(),
  consent: new Map(),
  droppedEvents: 0,
  droppedTraits: 0,
  droppedConsent: 0,
  unrecordable: 0,
});

/** Adds `from` into `into` (a tally map), admitting new names only while under `cap`; returns the occurrences left out. */
export function addTallies(into: Map<string, Tally>, from: Map<string, Tally>, cap: number): number {
  let dropped = 0;
  for (const [name, tally] of from) {
    const existing = into.get(name);
    if (!existing && into.size >= cap) {
      dropped += tally.count;
      continue;
    }
    const target = existing ?? { count: 0, kinds: new Map<ValueKind, number>() };
    target.count += tally.count;
    for (const [kind, n] of tally.kinds) target.kinds.set(kind, (target.kinds.get(kind) ?? 0) + n);
    if (tally.lastSeen && (!target.lastSeen || tally.lastSeen > target.lastSeen)) target.lastSeen = tally.lastSeen;
    into.set(name, target);
  }
  return dropped;
}

export function tallyOf(paths: readonly PathSeen[]): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  for (const { path, kind } of paths) {
    const tally = tallies.get(path) ?? { count: 0, kinds: new Map<ValueKind, number>() };
    // A path counts once per message, whatever kinds it took there.
    if (tally.count === 0) tally.count = 1;
    tally.kinds.set(kind, 1);
    tallies.set(path, tally);
  }
  return tallies;
}

/** Merges a batch into the pending counts (a failed flush's counts going back), within the same caps. */
export function mergeInto(pending: Pending, batch: Pending): void {
  for (const [name, event] of batch.events) addEvent(pending, name, event);
  pending.droppedTraits += batch.droppedTraits + addTallies(pending.traits, batch.traits, CATALOG_LIMITS.traitPaths);
  pending.droppedConsent += batch.droppedConsent + addTallies(pending.consent, batch.consent, CATALOG_LIMITS.consentCategories);
  pending.droppedEvents += batch.droppedEvents;
  pending.unrecordable += batch.unrecordable;
}

export function addEvent(pending: Pending, name: string, event: EventTally): void {
  let target = pending.events.get(name);
  if (!target) {
    if (pending.events.size >= CATALOG_LIMITS.eventNames) {
      pending.droppedEvents += event.count;
      return;
    }
    target = { count: 0, lastSeen: event.lastSeen, properties: new Map(), dropped: 0 };
    pending.events.set(name, target);
  }
  target.count += event.count;
  if (event.lastSeen > target.lastSeen) target.lastSeen = event.lastSeen;
  target.dropped += event.dropped + addTallies(target.properties, event.properties, CATALOG_LIMITS.propertyPathsPerEvent);
}

export const isEmpty = (pending: Pending): boolean =>
  pending.events.size === 0 &&
  pending.traits.size === 0 &&
  pending.consent.size === 0 &&
  pending.droppedEvents + pending.droppedTraits + pending.droppedConsent + pending.unrecordable === 0;
