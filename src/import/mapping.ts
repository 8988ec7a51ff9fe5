/**
 * Column mappings: where each CSV column goes in the message, and as what type.
 *
 *   column=target[:type]
 *
 * target: userId | anonymousId | email | event | timestamp | messageId | ignore
 *         | trait:<name> | property:<name>
 * type:   string | number | boolean | date   (default: string; timestamp is always a date)
 *
 * The spec splits at its last "=", so a column name may itself contain "=". A trait or
 * property name may contain ":"; only a final ":string|number|boolean|date" is a type.
 */
import { ImportError } from './errors.js';

export const VALUE_TYPES = ['string', 'number', 'boolean', 'date'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Targets that are one field of the message, as opposed to a named trait or property. */
export const FIELD_TARGETS = ['userId', 'anonymousId', 'email', 'event', 'timestamp', 'messageId', 'ignore'] as const;
export type FieldTarget = (typeof FIELD_TARGETS)[number];

export type ColumnTarget =
  | { to: FieldTarget; type?: ValueType }
  | { to: 'trait' | 'property'; name: string; type?: ValueType };

/** A target that puts the column somewhere (every target but `ignore`). */
export type MappedTarget =
  | { to: Exclude<FieldTarget, 'ignore'>; type?: ValueType }
  | { to: 'trait' | 'property'; name: string; type?: ValueType };

/** CSV column name → target. Columns it does not name get the default mapping (defaultTarget). */
export type ColumnMapping = ReadonlyMap<string, ColumnTarget>;

const isValueType = (text: string): text is ValueType => (VALUE_TYPES as readonly string[]).includes(text);
const isFieldTarget = (text: string): text is FieldTarget => (FIELD_TARGETS as readonly string[]).includes(text);

const TARGET_HELP = `targets: ${FIELD_TARGETS.join(', ')}, trait:<name>, property:<name>; types: ${VALUE_TYPES.join(', ')}`;

function mappingError(spec: string, problem: string): ImportError {
  return new ImportError('bad_mapping', `mapping "${spec}": ${problem} (expected column=target[:type]; ${TARGET_HELP})`);
}

/** `target[:type]`, the part of a spec after its "=". */
function parseTarget(spec: string, text: string): ColumnTarget {
  const parts = text.split(':');
  const head = parts[0]!;
  if (head === 'trait' || head === 'property') {
    let nameParts = parts.slice(1);
    let type: ValueType | undefined;
    const last = nameParts.at(-1);
    // `trait:number` is a trait named "number"; the type needs a name before it.
    if (nameParts.length > 1 && last !== undefined && isValueType(last)) {
      type = last;
      nameParts = nameParts.slice(0, -1);
    }
    const name = nameParts.join(':');
    if (name === '') throw mappingError(spec, `${head} needs a name, as in ${head}:plan`);
    return type ? { to: head, name, type } : { to: head, name };
  }
  if (!isFieldTarget(head)) throw mappingError(spec, `unknown target "${head}"`);
  if (parts.length > 2) throw mappingError(spec, `too many ":" after ${head}`);
  const typeText = parts[1];
  if (typeText === undefined) return { to: head };
  if (!isValueType(typeText)) throw mappingError(spec, `unknown type "${typeText}"`);
  return { to: head, type: typeText };
}

/** One `column=target[:type]` spec. Throws an ImportError ('bad_mapping') with the reason. */
export function parseMappingSpec(spec: string): [column: string, target: ColumnTarget] {
  const equals = spec.lastIndexOf('=');
  if (equals < 0) throw mappingError(spec, 'no "="');
  const column = spec.slice(0, equals).trim();
  const targetText = spec.slice(equals + 1).trim();
  if (column === '') throw mappingError(spec, 'no column name before "="');
  if (targetText === '') throw mappingError(spec, 'no target after "="');
  const target = parseTarget(spec, targetText);
  checkTargetType(spec, target);
  return [column, target];
}

/** Ids, names and e-mails are text and a timestamp is a date, whatever a spec says. */
function checkTargetType(spec: string, target: ColumnTarget): void {
  if (target.type === undefined || target.to === 'trait' || target.to === 'property') return;
  if (target.to === 'ignore') throw mappingError(spec, 'an ignored column takes no type');
  if (target.to === 'timestamp' && target.type !== 'date') throw mappingError(spec, 'a timestamp is always a date');
  if (target.to !== 'timestamp' && target.type !== 'string') throw mappingError(spec, `${target.to} is always a string`);
}

/** Many specs; a column named twice is an error rather than "last one wins". */
export function parseColumnMapping(specs: readonly string[]): ColumnMapping {
  const mapping = new Map<string, ColumnTarget>();
  for (const spec of specs) {
    const [column, target] = parseMappingSpec(spec);
    if (mapping.has(column)) throw mappingError(spec, `column "${column}" is mapped twice`);
    mapping.set(column, target);
  }
  return mapping;
}

/** `trait:plan:number`, the spec syntax, for messages. */
export function describeTarget(target: ColumnTarget): string {
  const base = target.to === 'trait' || target.to === 'property' ? `${target.to}:${target.name}` : target.to;
  return target.type ? `${base}:${target.type}` : base;
}
