/**
 * What one stored event tells the data catalogue (src/store/data-catalog.ts): the name it
 * counts as, the dotted paths of its properties and of the traits it sets, with the KIND
 * of value found at each, and the consent categories it carries. Pure: no I/O.
 *
 * Never a value: only key names leave this module, and a key that looks like personal data
 * (an e-mail address) or cannot be a sensible name is counted as unrecordable instead.
 */
import { counterNameOf } from '../profile/counters.js';
import type { EventDoc, Traits } from '../model.js';
import type { CatalogObservation, PathSeen, ValueKind } from '../store/catalog-tallies.js';

/** Nested objects are followed this many levels deep (`a.b.c.d.e`); deeper ones are recorded as `object`. */
export const MAX_PATH_DEPTH = 5;
/** Longer names and paths are not recorded. */
export const MAX_NAME_LENGTH = 200;
/** At most this many paths are taken from one message (bounds the work on a pathological one). */
export const MAX_PATHS_PER_MESSAGE = 500;

/** Something@something: an e-mail address, or a handle (keys like `@timestamp` stay). */
const EMAIL_LIKE = /[^\s@]+@[^\s@]+/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether a name may be stored: not empty, not too long, printable, well-formed, and not
 * shaped like an e-mail address (a sender keying properties by address would otherwise
 * put personal data in a catalogue that erasure does not visit).
 */
export function isRecordableName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && !CONTROL.test(name) && !LONE_SURROGATE.test(name) && !EMAIL_LIKE.test(name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The kind of a value as JSON sees it; undefined for what JSON cannot carry. */
export function kindOf(value: unknown): ValueKind | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'string'; // sent as an ISO string, read back as one
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return isPlainObject(value) ? 'object' : undefined;
    default:
      return undefined;
  }
}

/**
 * Every path under `root` with the kind found there: objects are recorded and followed
 * (to MAX_PATH_DEPTH), arrays recorded as `array` and not followed (their elements vary;
 * conditions address the array itself).
 */
export function pathsOf(root: Record<string, unknown>): { paths: PathSeen[]; unrecordable: number } {
  const paths: PathSeen[] = [];
  let unrecordable = 0;
  const walk = (object: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, value] of Object.entries(object)) {
      const kind = kindOf(value);
      if (kind === undefined) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (key === '' || !isRecordableName(path) || paths.length >= MAX_PATHS_PER_MESSAGE) {
        unrecordable += 1;
        continue;
      }
      paths.push({ path, kind });
      if (kind === 'object' && depth < MAX_PATH_DEPTH) walk(value as Record<string, unknown>, path, depth + 1);
    }
  };
  if (isPlainObject(root)) walk(root, '', 1);
  return { paths, unrecordable };
}

/** The category names of Segment's `context.consent.categoryPreferences` (those with a boolean, as ingestion reads them). */
export function consentCategoriesOf(context: Record<string, unknown> | undefined): string[] {
  const consent = context?.consent;
  if (!isPlainObject(consent)) return [];
  const preferences = consent.categoryPreferences;
  if (!isPlainObject(preferences)) return [];
  return Object.entries(preferences)
    .filter(([, value]) => typeof value === 'boolean')
    .map(([name]) => name);
}

/**
 * The observation of one stored event. `profileTraits` are the traits it sets on its
 * profile (an identify's traits over those enrichment derives: what rules can read), not
 * `context.traits`, which ingestion does not store.
 */
export function catalogObservationOf(
  event: Pick<EventDoc, 'type' | 'event' | 'properties' | 'context' | 'receivedAt'>,
  profileTraits: Traits | undefined,
): CatalogObservation {
  let unrecordable = 0;
  const name = counterNameOf(event);
  let observed: CatalogObservation['event'];
  if (name !== null) {
    if (isRecordableName(name)) {
      const properties = pathsOf(event.properties ?? {});
      unrecordable += properties.unrecordable;
      observed = { name, properties: properties.paths };
    } else {
      unrecordable += 1;
    }
  }
  const traits = pathsOf(profileTraits ?? {});
  unrecordable += traits.unrecordable;
  const categories = consentCategoriesOf(event.context);
  const consentCategories = categories.filter(isRecordableName);
  unrecordable += categories.length - consentCategories.length;
  return { at: event.receivedAt, ...(observed ? { event: observed } : {}), traits: traits.paths, consentCategories, unrecordable };
}
