/**
 * The versioned intermediate representation that rule programs compile to.
 *
 * The IR is plain JSON (no Date, Map or class instances): it is stored in MongoDB with
 * each deployed rules version and handed by id to Temporal workflows, which interpret it.
 * A running journey keeps the IR it started with, so any change to these shapes that an
 * old interpreter could not read must bump IR_VERSION.
 */

export const IR_VERSION = 1 as const;

export interface ProgramIR {
  irVersion: typeof IR_VERSION;
  consents: ConsentIR[];
  segments: SegmentIR[];
  journeys: JourneyIR[];
  /**
   * Present only when the program declares a broadcast: programs without one keep the IR
   * they always had, and an interpreter that predates broadcasts ignores the field (an
   * addition, not a change: IR_VERSION stays).
   */
  broadcasts?: BroadcastIR[];
}

/** Durations are whole milliseconds throughout the IR. */
export type Millis = number;

export interface ConsentIR {
  name: string;
  title?: string;
  expiresAfterMs?: Millis;
  remindBeforeMs?: Millis;
  /** The categories of `context.consent.categoryPreferences` that grant or refuse this purpose; without it, a category equal to `name`, ignoring case, does. */
  categories?: string[];
  /**
   * Double opt-in (`confirm with email "<template>"`): a grant the person gives stays
   * `pending` until they open the signed link that this template's e-mail carries.
   */
  confirmTemplate?: string;
}

export interface SegmentIR {
  name: string;
  title?: string;
  condition: ConditionIR;
  /** Names of the segments this one's condition refers to (acyclic, checked). */
  dependsOn: string[];
}

// ---------------------------------------------------------------- conditions

export type Scalar = string | number | boolean | null;

/** A comparison applied to one value (a trait or an event property). */
export type ComparisonIR =
  | { op: 'eq' | 'ne'; value: Scalar }
  | { op: 'lt' | 'lte' | 'gt' | 'gte'; value: number | string }
  | { op: 'in' | 'notIn'; values: Scalar[] }
  | { op: 'contains' | 'startsWith'; value: string }
  | { op: 'exists' | 'missing' };

/** Boolean algebra over event properties (`where …` clauses). */
export type PropConditionIR =
  | { kind: 'and'; all: PropConditionIR[] }
  | { kind: 'or'; any: PropConditionIR[] }
  | { kind: 'not'; condition: PropConditionIR }
  | { kind: 'prop'; path: string; cmp: ComparisonIR };

export type CountBoundIR = { op: 'atLeast' | 'atMost' | 'exactly'; n: number };

export type ConsentState = 'granted' | 'denied' | 'revoked' | 'missing' | 'pending';

/** Boolean algebra over one profile (segments, `if`, `exit when`). */
export type ConditionIR =
  | { kind: 'and'; all: ConditionIR[] }
  | { kind: 'or'; any: ConditionIR[] }
  | { kind: 'not'; condition: ConditionIR }
  | { kind: 'trait'; path: string; cmp: ComparisonIR }
  | { kind: 'tagged'; tag: string }
  | { kind: 'taggedLike'; glob: string }
  | { kind: 'inSegment'; segment: string }
  | { kind: 'consent'; purpose: string; state: ConsentState }
  | {
      kind: 'performed';
      event: string;
      where?: PropConditionIR;
      count: CountBoundIR;
      withinMs?: Millis;
    }
  | {
      kind: 'aggregate';
      fn: 'sum' | 'average' | 'min' | 'max';
      property: string;
      event: string;
      withinMs?: Millis;
      op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
      value: number;
    }
  | { kind: 'seen'; which: 'first' | 'last'; relation: 'within' | 'moreThanAgo'; ms: Millis };

// ---------------------------------------------------------------- journeys

export type TriggerIR =
  | { kind: 'performed'; event: string; where?: PropConditionIR }
  /**
   * A person entering the segment. Those already members when the segment is first
   * computed (its changes marked `initial`) start only with `includeCurrentMembers`
   * (`when in segment`); `when enters segment` means entering from then on.
   */
  | { kind: 'entersSegment'; segment: string; includeCurrentMembers?: true }
  | { kind: 'exitsSegment'; segment: string };

export type ReentryIR = { kind: 'never' } | { kind: 'always' } | { kind: 'after'; ms: Millis };

export interface EventMatchIR {
  event: string;
  where?: PropConditionIR;
}

/**
 * The kind of e-mail a journey or broadcast sends (issue 31): `marketing` is sent only with
 * its required consents granted at the moment of sending, carries a one-click
 * List-Unsubscribe and counts against the frequency cap; `operational` does none of that.
 */
export type MessageKind = 'marketing' | 'operational';

/**
 * The kind of a journey's or broadcast's messages. Rules versions compiled before issue 31
 * have no `messages`: for them, as then, requiring a consent made it marketing.
 */
export function messageKindOf(declaration: { messages?: MessageKind; requiresConsent: string[] }): MessageKind {
  return declaration.messages ?? (declaration.requiresConsent.length > 0 ? 'marketing' : 'operational');
}

export interface JourneyIR {
  name: string;
  title?: string;
  trigger: TriggerIR;
  requiresConsent: string[];
  /** Always written since issue 31 (an addition: IR_VERSION stays); absent in older rules versions, see messageKindOf. */
  messages?: MessageKind;
  reentry: ReentryIR;
  exitOn: EventMatchIR[];
  exitWhen?: ConditionIR;
  /** Local times of day, `hh:mm`, in the profile's time zone. */
  quietHours?: { start: string; end: string };
  steps: StepIR[];
  /**
   * `on exit { … }`: profile edits (tag, untag, set trait; `for` loops unrolled) made once
   * when the run ends, whatever the outcome, unless the person was erased, the run
   * continues as new or it was never let in. Present only when declared: a journey without
   * it makes the commands it always made, so recorded histories replay unchanged.
   */
  onExit?: OnExitStepIR[];
}

/** Values of `with { … }` maps and `set trait`, after `for` interpolation. */
export type ValueIR = Scalar;

/**
 * Every step carries an `id` unique within its journey and stable for the same source:
 * it keys idempotent side effects (a retried send is sent once) and tells where a run is.
 */
export type StepIR =
  | { kind: 'tag'; id: string; tag: string }
  | { kind: 'untag'; id: string; tag: string }
  | { kind: 'setTrait'; id: string; path: string; value: ValueIR }
  | { kind: 'sendEmail'; id: string; template: string; with: Record<string, ValueIR> }
  | { kind: 'sendWebhook'; id: string; name: string; with: Record<string, ValueIR> }
  | { kind: 'wait'; id: string; ms: Millis }
  | { kind: 'waitUntil'; id: string; time: string }
  | {
      kind: 'waitFor';
      id: string;
      event: string;
      where?: PropConditionIR;
      timeoutMs: Millis;
      then: StepIR[];
      otherwise: StepIR[];
    }
  | { kind: 'if'; id: string; condition: ConditionIR; then: StepIR[]; else: StepIR[] }
  | { kind: 'split'; id: string; branches: { percent: number; steps: StepIR[] }[] }
  | { kind: 'exit'; id: string };

/** What `on exit` may do: edit the profile, without waiting or sending (checked). */
export type OnExitStepIR = Extract<StepIR, { kind: 'tag' | 'untag' | 'setTrait' }>;

// ---------------------------------------------------------------- broadcasts

/**
 * One e-mail to a segment's members, started by an admin (POST /v1/broadcasts/:name/start):
 * the members when it starts, each sent to once.
 */
export interface BroadcastIR {
  name: string;
  title?: string;
  segment: string;
  /** Purposes that must be granted at each send (deny by default); none: operational mail. */
  requiresConsent: string[];
  /** As a journey's: always written since issue 31, absent in older rules versions (see messageKindOf). */
  messages?: MessageKind;
  /** At most this many messages per second (`at most <n> per <unit>`); absent: as fast as the channel goes. */
  ratePerSecond?: number;
  /** Local times of day, `hh:mm`, in the broadcast's time zone: no send starts inside. */
  quietHours?: { start: string; end: string };
  template: string;
  with: Record<string, ValueIR>;
}
