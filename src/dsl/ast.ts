/**
 * The abstract syntax tree: plain data, discriminated by `kind`, every node with the span of
 * source it came from. to-ast.ts builds it from the parser's CST; check.ts reads it for
 * problems; lower.ts turns it into the IR. Nothing here knows about Chevrotain.
 */

/** 1-based positions; `endColumn` is exclusive (the column just after the last character). */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Program {
  declarations: Declaration[];
}

export type Declaration = ConsentDecl | SegmentDecl | JourneyDecl | BroadcastDecl | RecoveredDecl;

export interface Name {
  text: string;
  span: Span;
}

/** A string literal with its escapes resolved; `{var}` placeholders are still in `value`. */
export interface StringLit {
  kind: 'string';
  value: string;
  span: Span;
}

export interface NumberLit {
  kind: 'number';
  value: number;
  span: Span;
}

export interface PercentLit {
  kind: 'percent';
  value: number;
  span: Span;
}

/** `hh:mm` as written, with its parts (not yet validated: 25:00 parses, the checker objects). */
export interface TimeLit {
  kind: 'time';
  hours: number;
  minutes: number;
  span: Span;
}

export interface DateLit {
  kind: 'date';
  text: string;
  span: Span;
}

export type DurationUnit = 'second' | 'minute' | 'hour' | 'day' | 'week';

export interface Duration {
  amount: number;
  unit: DurationUnit;
  span: Span;
}

/** A dotted path into traits or event properties, e.g. `address.city`. */
export interface Path {
  segments: string[];
  span: Span;
}

/** A bare name in value position: a `for` loop variable, or a mistake the checker reports. */
export interface VariableRef {
  kind: 'variable';
  name: string;
  span: Span;
}

export interface BooleanLit {
  kind: 'boolean';
  value: boolean;
  span: Span;
}

export interface NullLit {
  kind: 'null';
  span: Span;
}

export type Value = StringLit | NumberLit | BooleanLit | NullLit | DateLit | TimeLit | VariableRef;

// ------------------------------------------------------------------- declarations

export interface ConsentDecl {
  kind: 'consent';
  name: Name;
  title?: StringLit;
  clauses: ConsentClause[];
  span: Span;
}

export type ConsentClause =
  | { kind: 'expires'; duration: Duration; span: Span }
  | { kind: 'remind'; duration: Duration; span: Span }
  /** `categories "Marketing", "Email"`: the texts with escapes resolved, in source order, as written. */
  | { kind: 'categories'; categories: { text: string; span: Span }[]; span: Span }
  /** `confirm with email "<template>"`: double opt-in, the confirmation sent from that template. */
  | { kind: 'confirm'; template: StringLit; span: Span };

export interface SegmentDecl {
  kind: 'segment';
  name: Name;
  title?: StringLit;
  condition: Condition;
  span: Span;
}

export interface JourneyDecl {
  kind: 'journey';
  name: Name;
  title?: StringLit;
  /** Headers and steps in source order (the checker objects to headers after steps). */
  items: (Header | Step)[];
  span: Span;
}

/**
 * `broadcast <name> ["<title>"] { … }`: one message to a segment's members, started by an
 * admin (not by an event). Clauses in source order; the checker wants one audience and
 * one send.
 */
export interface BroadcastDecl {
  kind: 'broadcast';
  name: Name;
  title?: StringLit;
  clauses: BroadcastClause[];
  span: Span;
}

export type BroadcastClause =
  /** `to segment <name>` */
  | { kind: 'audience'; segment: Name; span: Span }
  | { kind: 'requiresConsent'; purpose: Name; span: Span }
  | { kind: 'operational'; span: Span }
  | { kind: 'quietHours'; start: TimeLit; end: TimeLit; span: Span }
  /** `at most <n> per <unit>` */
  | { kind: 'rate'; count: NumberLit; per: DurationUnit; span: Span }
  | { kind: 'send'; send: Extract<Step, { kind: 'sendEmail' | 'sendWebhook' }>; span: Span };

/**
 * A declaration whose source had syntax errors. Only its kind and name are kept, so that
 * references to it elsewhere do not turn into a second, misleading "unknown name" error.
 */
export interface RecoveredDecl {
  kind: 'recovered';
  declares?: 'consent' | 'segment' | 'journey' | 'broadcast';
  name?: Name;
  span: Span;
}

// ------------------------------------------------------------------- conditions

export type CompareOperator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

export type Comparison =
  | { kind: 'compare'; op: CompareOperator; value: Value; span: Span }
  | { kind: 'in'; negated: boolean; values: Value[]; span: Span }
  | { kind: 'contains'; value: Value; span: Span }
  | { kind: 'startsWith'; value: Value; span: Span }
  | { kind: 'exists'; span: Span }
  | { kind: 'missing'; span: Span };

/** `and`, `or`, `not` over some kind of atom: profile conditions and `where` clauses share it. */
export type BoolExpr<Atom> =
  | { kind: 'and'; operands: BoolExpr<Atom>[]; span: Span }
  | { kind: 'or'; operands: BoolExpr<Atom>[]; span: Span }
  | { kind: 'not'; operand: BoolExpr<Atom>; span: Span }
  | Atom;

/** `<path> <comparison>` over an event's properties. */
export interface PropAtom {
  kind: 'prop';
  path: Path;
  comparison: Comparison;
  span: Span;
}

export type PropCondition = BoolExpr<PropAtom>;

export type ConsentStateWord = 'granted' | 'denied' | 'revoked' | 'missing' | 'pending';

export type CountClause = { kind: 'count'; op: 'atLeast' | 'atMost' | 'exactly'; n: NumberLit; span: Span };
export type WithinClause = { kind: 'within'; duration: Duration; span: Span };

export type ConditionAtom =
  | { kind: 'trait'; path: Path; comparison: Comparison; span: Span }
  | { kind: 'tagged'; tag: StringLit; like: boolean; span: Span }
  | { kind: 'inSegment'; segment: Name; span: Span }
  | { kind: 'consentIs'; purpose: Name; state: ConsentStateWord; span: Span }
  | {
      kind: 'performed';
      event: StringLit;
      where?: PropCondition;
      /** In source order; the checker allows at most one of each kind. */
      clauses: (CountClause | WithinClause)[];
      span: Span;
    }
  | {
      kind: 'aggregate';
      fn: 'sum' | 'average' | 'min' | 'max';
      property: StringLit;
      event: StringLit;
      within?: Duration;
      op: CompareOperator;
      value: NumberLit;
      span: Span;
    }
  | { kind: 'seen'; which: 'first' | 'last'; relation: 'within' | 'moreThanAgo'; duration: Duration; span: Span };

export type Condition = BoolExpr<ConditionAtom>;

// ------------------------------------------------------------------- journeys

export type ReentryPolicy = 'never' | 'always' | Duration;

export type Trigger =
  | { kind: 'performed'; event: StringLit; where?: PropCondition; span: Span }
  /** `when in segment` sets `includeCurrentMembers`. */
  | { kind: 'entersSegment'; segment: Name; includeCurrentMembers?: true; span: Span }
  | { kind: 'exitsSegment'; segment: Name; span: Span };

export type Header =
  | { kind: 'trigger'; trigger: Trigger; span: Span }
  | { kind: 'requiresConsent'; purpose: Name; span: Span }
  | { kind: 'reentry'; policy: ReentryPolicy; span: Span }
  | { kind: 'exitOn'; event: StringLit; where?: PropCondition; span: Span }
  | { kind: 'exitWhen'; condition: Condition; span: Span }
  | { kind: 'quietHours'; start: TimeLit; end: TimeLit; span: Span }
  /** The e-mail it sends is not marketing: no consent asked, no unsubscribe link, no cap. */
  | { kind: 'operational'; span: Span }
  /** `on exit { … }`: steps that run once when the run ends (profile edits only, checked). */
  | { kind: 'onExit'; body: Block; span: Span };

export interface WithEntry {
  key: Name;
  value: Value;
  span: Span;
}

export interface Block {
  steps: Step[];
  span: Span;
}

export interface SplitBranch {
  share: PercentLit;
  body: Block;
  span: Span;
}

export type Step =
  | { kind: 'tag'; tag: StringLit; span: Span }
  | { kind: 'untag'; tag: StringLit; span: Span }
  | { kind: 'setTrait'; path: Path; value: Value; span: Span }
  | { kind: 'sendEmail'; template: StringLit; with: WithEntry[]; span: Span }
  | { kind: 'sendWebhook'; name: StringLit; with: WithEntry[]; span: Span }
  | { kind: 'wait'; duration: Duration; span: Span }
  | { kind: 'waitUntil'; time: TimeLit; span: Span }
  | {
      kind: 'waitFor';
      event: StringLit;
      where?: PropCondition;
      timeout: Duration;
      then?: Block;
      otherwise?: Block;
      span: Span;
    }
  | { kind: 'if'; condition: Condition; then: Block; else?: Block; span: Span }
  | { kind: 'split'; branches: SplitBranch[]; span: Span }
  | { kind: 'for'; variable: Name; from: NumberLit; to: NumberLit; body: Block; span: Span }
  | { kind: 'exit'; span: Span };

export const HEADER_KINDS = ['trigger', 'requiresConsent', 'reentry', 'exitOn', 'exitWhen', 'quietHours', 'operational', 'onExit'] as const;

export function isHeader(item: Header | Step): item is Header {
  return (HEADER_KINDS as readonly string[]).includes(item.kind);
}
