/**
 * From a header row and a mapping to the columns an import reads. Every problem that
 * would make every row bad (no id column, an unsafe trait name, two columns feeding one
 * field) is found here, before the first row, and stops the import.
 */
import { ImportError } from './errors.js';
import { describeTarget, type ColumnMapping, type ColumnTarget, type FieldTarget, type MappedTarget, type ValueType } from './mapping.js';
import type { ImportKind } from './types.js';

export interface ResolvedColumn {
  /** Position in the record. */
  index: number;
  /** Name in the header, trimmed. */
  name: string;
  target: MappedTarget;
  type: ValueType;
}

/**
 * Well-known column names, compared without case, spaces, "_" and "-": user_id, userId
 * and "User ID" all mean userId.
 */
const WELL_KNOWN = new Map<string, FieldTarget>([
  ['userid', 'userId'],
  ['anonymousid', 'anonymousId'],
  ['email', 'email'],
  ['event', 'event'],
  ['timestamp', 'timestamp'],
  ['messageid', 'messageId'],
]);

const normalised = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

/** The target of a column the mapping does not name. */
export function defaultTarget(column: string, kind: ImportKind): ColumnTarget {
  const known = WELL_KNOWN.get(normalised(column));
  // A profile has no event: a column named "event" in a profiles file is a trait.
  if (known && !(known === 'event' && kind === 'profiles')) return { to: known };
  return kind === 'profiles' ? { to: 'trait', name: column } : { to: 'property', name: column };
}

/**
 * The rule segment-spec.ts applies to trait and property keys (they become MongoDB field
 * names), plus "__proto__", which a plain object cannot hold as an own key.
 */
const isSafeKey = (key: string) =>
  key.length > 0 && !key.startsWith('$') && !key.includes('.') && !key.includes('\u0000') && key !== '__proto__';

const listed = (names: readonly string[]) => {
  const shown = names
    .slice(0, 20)
    .map((n) => JSON.stringify(n))
    .join(', ');
  return names.length > 20 ? `${shown}, … (${names.length} columns)` : shown;
};

function headerNames(header: readonly string[]): string[] {
  const names = header.map((name) => name.trim());
  const firstAt = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === '') return;
    const first = firstAt.get(name);
    if (first !== undefined) {
      throw new ImportError('bad_header', `column "${name}" appears twice in the header (columns ${first + 1} and ${index + 1})`);
    }
    firstAt.set(name, index);
  });
  return names;
}

function checkKind(column: string, target: ColumnTarget, kind: ImportKind, explicit: boolean): void {
  const code = explicit ? 'bad_mapping' : 'bad_header';
  if (kind === 'profiles' && target.to === 'event') {
    throw new ImportError(code, `column "${column}": profiles have no event; map it to trait:<name> or ignore`);
  }
  if (kind === 'profiles' && target.to === 'property') {
    throw new ImportError(code, `column "${column}": profiles take trait:<name>, not property:<name>`);
  }
  if (kind === 'events' && target.to === 'trait') {
    throw new ImportError(code, `column "${column}": events take property:<name>, not trait:<name> (an e-mail column maps to email)`);
  }
  if ((target.to === 'trait' || target.to === 'property') && !isSafeKey(target.name)) {
    const hint = explicit ? '' : `; rename it with --map "${column}=${target.to}:<name>" or drop it with --map "${column}=ignore"`;
    throw new ImportError(
      code,
      `column "${column}": ${target.to} name "${target.name}" may not be empty, be "__proto__", start with "$" or contain "."${hint}`,
    );
  }
}

/** Where a target lands in the message; two columns may not land in the same place. */
function slotOf(target: ColumnTarget, kind: ImportKind): string {
  if (target.to === 'trait' || target.to === 'property') return `${target.to}:${target.name}`;
  if (target.to === 'consent') return describeTarget(target);
  // For profiles the e-mail is traits.email, so `email` and `trait:email` collide.
  if (target.to === 'email' && kind === 'profiles') return 'trait:email';
  return target.to;
}

/** A timestamp and the time a consent was given are dates; everything else is text unless typed. */
const defaultType = (target: MappedTarget): ValueType =>
  target.to === 'timestamp' || (target.to === 'consent' && target.field === 'at') ? 'date' : 'string';

export function resolveColumns(header: readonly string[], mapping: ColumnMapping, kind: ImportKind): ResolvedColumn[] {
  const names = headerNames(header);
  if (names.every((name) => name === '')) {
    throw new ImportError('no_header', 'the first line has no column names: it must be a header row naming the columns');
  }
  const missing = [...mapping.keys()].filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new ImportError(
      'bad_mapping',
      `the mapping names ${listed(missing)}, which the header does not have (columns: ${listed(names.filter(Boolean))})`,
    );
  }
  const columns: ResolvedColumn[] = [];
  const slots = new Map<string, string>();
  names.forEach((name, index) => {
    // A nameless column (often a trailing "," in the header) cannot be mapped: it is skipped.
    if (name === '') return;
    const explicit = mapping.get(name);
    const chosen = explicit ?? defaultTarget(name, kind);
    if (chosen.to === 'ignore') return;
    const target = chosen as MappedTarget;
    checkKind(name, target, kind, explicit !== undefined);
    const slot = slotOf(target, kind);
    const taken = slots.get(slot);
    if (taken !== undefined) {
      throw new ImportError(
        explicit ? 'bad_mapping' : 'bad_header',
        `columns "${taken}" and "${name}" both map to ${describeTarget({ ...target, type: undefined } as ColumnTarget)}; map one of them elsewhere or to ignore`,
      );
    }
    slots.set(slot, name);
    columns.push({ index, name, target, type: target.type ?? defaultType(target) });
  });
  if (!slots.has('userId') && !slots.has('anonymousId')) {
    throw new ImportError(
      'bad_header',
      `no column maps to userId or anonymousId (columns: ${listed(names.filter(Boolean))}); name one user_id or anonymous_id, or use --map <column>=userId`,
    );
  }
  if (kind === 'events' && !slots.has('event')) {
    throw new ImportError(
      'bad_header',
      `no column maps to event (columns: ${listed(names.filter(Boolean))}); name one event, or use --map <column>=event`,
    );
  }
  return columns;
}
