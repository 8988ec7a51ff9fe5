/**
 * Column mappings: where each CSV column goes in the message, and as what type.
 *
 *   column=target[:type]
 *
 * target: userId | anonymousId | email | event | timestamp | messageId | ignore
 *         | trait:<name> | property:<name>
 *         | consent:<purpose> | consent_at:<purpose> | consent_method:<purpose>
 *         | consent_text:<purpose> | consent_url:<purpose> | consent_page_url:<purpose>
 *         | consent_ip:<purpose> | consent_user_agent:<purpose>
 * type:   string | number | boolean | date   (default: string; timestamp is always a date)
 *
 * The spec splits at its last "=", so a column name may itself contain "=". A trait or
 * property name may contain ":"; only a final ":string|number|boolean|date" is a type.
 *
 * The consent targets bring a consent base: `consent:<purpose>` is the state of that
 * purpose (granted, denied, revoked), the others when it was given and its proof. They
 * take no type, a purpose is a consent's name in the rules, and every other consent
 * target of a purpose needs its `consent:<purpose>` column.
 */
import { ImportError } from './errors.js';

export const VALUE_TYPES = ['string', 'number', 'boolean', 'date'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Targets that are one field of the message, as opposed to a named trait or property. */
export const FIELD_TARGETS = ['userId', 'anonymousId', 'email', 'event', 'timestamp', 'messageId', 'ignore'] as const;
export type FieldTarget = (typeof FIELD_TARGETS)[number];

/** What a consent column of a purpose holds: its state, when it was given, or a piece of its proof. */
export type ConsentField = 'state' | 'at' | 'method' | 'text' | 'url' | 'pageUrl' | 'ip' | 'userAgent';

/** The spec's word for each consent field: `consent:<purpose>`, `consent_at:<purpose>`… */
export const CONSENT_TARGETS: Readonly<Record<string, ConsentField>> = {
  consent: 'state',
  consent_at: 'at',
  consent_method: 'method',
  consent_text: 'text',
  consent_url: 'url',
  consent_page_url: 'pageUrl',
  consent_ip: 'ip',
  consent_user_agent: 'userAgent',
};

const CONSENT_HEADS = Object.fromEntries(Object.entries(CONSENT_TARGETS).map(([head, field]) => [field, head])) as Record<
  ConsentField,
  string
>;

export interface ConsentTarget {
  to: 'consent';
  purpose: string;
  field: ConsentField;
  /** A consent column takes no type: its field decides how the cell is read. */
  type?: never;
}

export type ColumnTarget =
  { to: FieldTarget; type?: ValueType } | { to: 'trait' | 'property'; name: string; type?: ValueType } | ConsentTarget;

/** A target that puts the column somewhere (every target but `ignore`). */
export type MappedTarget =
  { to: Exclude<FieldTarget, 'ignore'>; type?: ValueType } | { to: 'trait' | 'property'; name: string; type?: ValueType } | ConsentTarget;

/** CSV column name → target. Columns it does not name get the default mapping (defaultTarget). */
export type ColumnMapping = ReadonlyMap<string, ColumnTarget>;

const isValueType = (text: string): text is ValueType => (VALUE_TYPES as readonly string[]).includes(text);
const isFieldTarget = (text: string): text is FieldTarget => (FIELD_TARGETS as readonly string[]).includes(text);

const isConsentTarget = (text: string) => Object.hasOwn(CONSENT_TARGETS, text);

/** A consent's name in the rules (the DSL's identifiers). */
const PURPOSE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const TARGET_HELP = `targets: ${FIELD_TARGETS.join(', ')}, trait:<name>, property:<name>, ${Object.keys(CONSENT_TARGETS)
  .map((head) => `${head}:<purpose>`)
  .join(', ')}; types: ${VALUE_TYPES.join(', ')}`;

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
  if (isConsentTarget(head)) return parseConsentTarget(spec, head, parts.slice(1));
  if (!isFieldTarget(head)) throw mappingError(spec, `unknown target "${head}"`);
  if (parts.length > 2) throw mappingError(spec, `too many ":" after ${head}`);
  const typeText = parts[1];
  if (typeText === undefined) return { to: head };
  if (!isValueType(typeText)) throw mappingError(spec, `unknown type "${typeText}"`);
  return { to: head, type: typeText };
}

/** `consent:<purpose>` and its kin: exactly one purpose, a name as the rules spell it, no type. */
function parseConsentTarget(spec: string, head: string, rest: string[]): ConsentTarget {
  const purpose = rest[0] ?? '';
  if (purpose === '') throw mappingError(spec, `${head} needs a purpose, as in ${head}:email_marketing`);
  if (rest.length > 1) {
    const extra = rest.slice(1).join(':');
    throw mappingError(spec, isValueType(extra) ? `${head}:<purpose> takes no type` : `too many ":" after ${head}:${purpose}`);
  }
  if (!PURPOSE.test(purpose))
    throw mappingError(spec, `"${purpose}" is not a consent purpose: a purpose is a consent's name in the rules (letters, digits and _)`);
  return { to: 'consent', purpose, field: CONSENT_TARGETS[head]! };
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
  checkConsentColumns(specs, mapping);
  return mapping;
}

/**
 * Each purpose's fields once, and the when and proof of a purpose only beside its state:
 * without a `consent:<purpose>` column they would be read and never used.
 */
function checkConsentColumns(specs: readonly string[], mapping: ColumnMapping): void {
  const withState = new Set<string>();
  const seen = new Map<string, string>();
  for (const [column, target] of mapping) {
    if (target.to !== 'consent') continue;
    const key = describeTarget(target);
    const other = seen.get(key);
    if (other !== undefined) throw mappingError(specOf(specs, column), `columns "${other}" and "${column}" both map to ${key}`);
    seen.set(key, column);
    if (target.field === 'state') withState.add(target.purpose);
  }
  for (const [column, target] of mapping) {
    if (target.to !== 'consent' || withState.has(target.purpose)) continue;
    throw mappingError(
      specOf(specs, column),
      `${describeTarget(target)} needs a column with the state: map one to consent:${target.purpose}`,
    );
  }
}

/** The spec that mapped a column, for messages. */
const specOf = (specs: readonly string[], column: string) =>
  specs.find((spec) => spec.slice(0, spec.lastIndexOf('=')).trim() === column) ?? column;

/** The purposes a mapping records consent for, in the order of their columns. */
export function consentPurposes(mapping: ColumnMapping): string[] {
  return [
    ...new Set([...mapping.values()].flatMap((target) => (target.to === 'consent' && target.field === 'state' ? [target.purpose] : []))),
  ];
}

/** `trait:plan:number`, the spec syntax, for messages. */
export function describeTarget(target: ColumnTarget): string {
  if (target.to === 'consent') return `${CONSENT_HEADS[target.field]}:${target.purpose}`;
  const base = target.to === 'trait' || target.to === 'property' ? `${target.to}:${target.name}` : target.to;
  return target.type ? `${base}:${target.type}` : base;
}
