/**
 * Every diagnostic the compiler can report: a stable code, a severity and a message
 * template, in one table (as TypeScript's diagnosticMessages). Codes are grouped by phase:
 *
 *   ITN10xx lexical · ITN11xx syntax · ITN12xx names · ITN13xx literal values
 *   ITN14xx journey structure · ITN15xx split and for · ITN16xx consents · ITN17xx conditions
 *   ITN18xx previews · ITN19xx broadcasts · ITN20xx data catalogue (warnings from what the data holds)
 *
 * Codes are never reused or renumbered; docs/language.md has a row for each (a test checks).
 */
import type { Span } from './ast.js';
import type { Diagnostic, Severity } from './diagnostics.js';

export interface DiagnosticDef<Args extends unknown[]> {
  code: string;
  severity: Severity;
  message: (...args: Args) => string;
}

function def<Args extends unknown[]>(code: string, severity: Severity, message: (...args: Args) => string): DiagnosticDef<Args> {
  return { code, severity, message };
}

const didYouMean = (suggestion: string | undefined): string => (suggestion ? ` (did you mean '${suggestion}'?)` : '');

export const MAX_FOR_ITERATIONS = 100;
export const MAX_STEPS_PER_JOURNEY = 10_000;
/** Messages per second a broadcast may ask for: far above what one SMTP relay takes. */
export const MAX_BROADCAST_RATE = 10_000;

export const Diagnostics = {
  // ITN10xx lexical
  unexpectedCharacter: def('ITN1001', 'error', (text: string) => `unexpected character '${text}'`),
  unterminatedString: def('ITN1002', 'error', () => "string is not closed: add a '\"' before the end of the line"),
  unknownEscape: def('ITN1003', 'error', (escape: string) => `unknown escape '${escape}' in string: only \\" and \\\\ are allowed`),

  // ITN11xx syntax (the message comes from syntax-messages.ts)
  unexpectedToken: def('ITN1101', 'error', (message: string) => message),
  noViableAlternative: def('ITN1102', 'error', (message: string) => message),
  notADeclaration: def('ITN1103', 'error', (message: string) => message),

  // ITN12xx names
  duplicateConsent: def('ITN1201', 'error', (name: string, line: number) => `consent '${name}' is already declared on line ${line}`),
  duplicateSegment: def('ITN1202', 'error', (name: string, line: number) => `segment '${name}' is already declared on line ${line}`),
  unknownSegment: def('ITN1203', 'error', (name: string, suggestion?: string) => `unknown segment '${name}'${didYouMean(suggestion)}`),
  unknownConsent: def('ITN1204', 'error', (name: string, suggestion?: string) => `unknown consent '${name}'${didYouMean(suggestion)}`),
  duplicateJourney: def('ITN1205', 'error', (name: string, line: number) => `journey '${name}' is already declared on line ${line}`),
  segmentCycle: def('ITN1206', 'error', (cycle: string[]) =>
    cycle.length === 2 ? `segment '${cycle[0]}' depends on itself` : `segment '${cycle[0]}' depends on itself: ${cycle.join(' → ')}`,
  ),
  unknownVariable: def('ITN1207', 'error', (name: string, suggestion?: string) =>
    suggestion
      ? `unknown name '${name}' (did you mean the loop variable '${suggestion}'?)`
      : `'${name}' is not a value here: write "${name}" in quotes for text`,
  ),
  uppercaseName: def('ITN1208', 'error', (name: string) => `names are lowercase letters, digits and '_': write '${name.toLowerCase()}'`),
  unknownPlaceholder: def('ITN1209', 'warning', (name: string) => `'{${name}}' is not a loop variable here and is kept as written`),
  shadowedLoopVariable: def('ITN1210', 'error', (name: string) => `loop variable '${name}' is already used by an enclosing 'for'`),
  duplicateBroadcast: def('ITN1212', 'error', (name: string, line: number) => `broadcast '${name}' is already declared on line ${line}`),
  duplicateWithKey: def('ITN1211', 'error', (key: string) => `'${key}' is given twice in this 'with { … }'`),

  // ITN13xx literal values
  nonPositiveDuration: def('ITN1301', 'error', (text: string) => `a duration must be more than zero, not '${text}'`),
  invalidTime: def('ITN1302', 'error', (text: string) => `'${text}' is not a time of day: use hh:mm from 00:00 to 23:59`),
  invalidDate: def('ITN1303', 'error', (text: string) => `'${text}' is not a calendar date (YYYY-MM-DD)`),
  invalidCount: def('ITN1304', 'error', (text: string) => `a number of times must be a whole number of zero or more, not '${text}'`),
  invalidPercent: def('ITN1305', 'error', (text: string) => `a share must be more than 0% and at most 100%, not '${text}'`),
  durationTooLong: def('ITN1306', 'error', (text: string) => `'${text}' is too long: durations are limited to 100 years`),
  emptyText: def('ITN1307', 'error', (what: string) => `${what} must not be empty`),
  orderingNeedsNumberOrText: def(
    'ITN1308',
    'error',
    (op: string) => `'${op}' compares numbers, texts, dates or times, not true, false or null`,
  ),
  needsText: def('ITN1309', 'error', (what: string) => `'${what}' needs a text in quotes`),

  // ITN14xx journey structure
  missingTrigger: def(
    'ITN1401',
    'error',
    (journey: string) =>
      `journey '${journey}' has no trigger: add 'when performed "<event>"', 'when enters segment <name>' or 'when exits segment <name>'`,
  ),
  secondTrigger: def('ITN1402', 'error', (line: number) => `a journey has exactly one trigger; another 'when' is on line ${line}`),
  unreachableStep: def('ITN1403', 'error', () => "this step can never run: it follows an 'exit'"),
  duplicateHeader: def('ITN1404', 'error', (header: string, line: number) => `'${header}' is already given on line ${line}`),
  emptyQuietHours: def('ITN1405', 'error', () => 'quiet hours must start and end at different times'),
  headerAfterSteps: def('ITN1406', 'warning', () => 'journey headers should come before the steps'),
  noSteps: def('ITN1407', 'warning', (journey: string) => `journey '${journey}' has no steps`),
  duplicateRequiredConsent: def('ITN1408', 'warning', (purpose: string) => `consent '${purpose}' is already required`),
  emptyBlock: def('ITN1409', 'warning', (what: string) => `this ${what} block is empty`),

  // ITN15xx split and for
  splitNot100: def('ITN1501', 'error', (total: string) => `the shares of a split must add up to 100%, these add up to ${total}%`),
  splitOneBranch: def('ITN1502', 'warning', () => 'a split with one branch always takes it: give it at least two'),
  emptyRange: def(
    'ITN1503',
    'error',
    (from: number, to: number) => `the range ${from}..${to} is empty: the first number must not be above the second`,
  ),
  rangeTooLarge: def('ITN1504', 'error', (count: number) => `this loop would repeat ${count} times; the limit is ${MAX_FOR_ITERATIONS}`),
  rangeNotWhole: def('ITN1505', 'error', (text: string) => `loop bounds are whole numbers, not '${text}'`),
  journeyTooLarge: def(
    'ITN1506',
    'error',
    (count: number) => `this journey unrolls into ${count} steps; the limit is ${MAX_STEPS_PER_JOURNEY}`,
  ),

  // ITN16xx consents
  reminderWithoutExpiry: def('ITN1601', 'error', () => "'remind … before expiry' needs an 'expires after …' in the same consent"),
  reminderNotBeforeExpiry: def(
    'ITN1602',
    'error',
    () => 'the reminder must come before the consent expires: remind earlier than the expiry period',
  ),
  duplicateConsentClause: def('ITN1603', 'error', (clause: string, line: number) => `'${clause}' is already given on line ${line}`),
  emptyCategory: def(
    'ITN1604',
    'error',
    () => 'a category must not be empty: write it as the consent banner sends it, such as "Marketing"',
  ),
  duplicateCategory: def('ITN1605', 'warning', (category: string, first: string) =>
    category === first
      ? `category "${category}" is already listed in this consent`
      : `category "${category}" is already listed in this consent as "${first}" (categories ignore case)`,
  ),

  // ITN17xx conditions
  duplicatePerformedClause: def('ITN1701', 'error', (clause: string) => `'performed' takes one ${clause}`),
  alwaysTrueCount: def('ITN1702', 'warning', () => "'at least 0 times' is always true"),
  emptyList: def('ITN1703', 'warning', (negated: boolean) => (negated ? "'not in []' is always true" : "'in []' never matches")),
  previewTakesSegments: def('ITN1801', 'error', (kind: string) => `a preview takes segment declarations only, not a ${kind}`),
  previewEmpty: def('ITN1802', 'error', () => 'a preview needs a segment declaration'),
  globWithoutWildcard: def(
    'ITN1704',
    'warning',
    (glob: string) => `'tagged like "${glob}"' has no * or ?: it means the same as 'tagged "${glob}"'`,
  ),

  // ITN19xx broadcasts
  missingAudience: def('ITN1901', 'error', (broadcast: string) => `broadcast '${broadcast}' has no audience: add 'to segment <name>'`),
  missingSend: def('ITN1902', 'error', (broadcast: string) => `broadcast '${broadcast}' sends nothing: add 'send email "<template>"'`),
  secondSend: def('ITN1903', 'error', (line: number) => `a broadcast sends one e-mail; another 'send' is on line ${line}`),
  broadcastSendsEmail: def('ITN1904', 'error', () => 'a broadcast sends e-mail only: write \'send email "<template>"\''),
  invalidRate: def(
    'ITN1905',
    'error',
    (text: string) => `a rate must be more than 0 and at most ${MAX_BROADCAST_RATE} per second, not '${text}'`,
  ),
  secondAudience: def('ITN1906', 'error', (line: number) => `a broadcast has one audience; another 'to segment' is on line ${line}`),

  // ITN14xx journey structure, continued: which kind of e-mail is sent, and `on exit` (issue 31)
  missingMessageKind: def(
    'ITN1410',
    'error',
    (declaration: string) =>
      `${declaration} sends e-mail without saying which kind: add 'requires consent <purpose>' if this is marketing, or 'operational' for receipts, password resets and service notices`,
  ),
  operationalAndConsent: def(
    'ITN1411',
    'error',
    (purpose: string, line: number) =>
      `'operational' contradicts 'requires consent ${purpose}' on line ${line}: marketing asks for consent and carries an unsubscribe link, operational e-mail does neither; keep one`,
  ),
  operationalWithoutEmail: def('ITN1412', 'warning', () => "this journey sends no e-mail: 'operational' has nothing to declare"),
  onExitStep: def(
    'ITN1413',
    'error',
    (step: string) =>
      `'${step}' cannot run in 'on exit': the run has ended, so it only tags, untags and sets traits (with 'for' loops of those)`,
  ),

  // ITN20xx data catalogue: names the data has never shown (check-data.ts); only with a catalogue to compare with
  unknownEvent: def('ITN2001', 'warning', (event: string, suggestion: string | undefined, capped: boolean) =>
    capped
      ? `event '${event}' is not in the data catalogue, whose caps were reached: it may have been received beyond them${didYouMean(suggestion)}`
      : `no event '${event}' has been received${suggestion ? didYouMean(suggestion) : ': event names match exactly, as your apps send them'}`,
  ),
  unknownEventProperty: def('ITN2002', 'warning', (event: string, path: string, suggestion: string | undefined, capped: boolean) =>
    capped
      ? `property '${path}' is not in the data catalogue for '${event}', whose caps were reached: it may lie beyond them${didYouMean(suggestion)}`
      : `no event '${event}' received has had a property '${path}'${didYouMean(suggestion)}`,
  ),
  unknownTrait: def('ITN2003', 'warning', (path: string, suggestion: string | undefined, capped: boolean) =>
    capped
      ? `trait '${path}' is not in the data catalogue, whose caps were reached: it may lie beyond them${didYouMean(suggestion)}`
      : `no profile has had a trait '${path}'${didYouMean(suggestion)}`,
  ),
  unknownTemplate: def(
    'ITN2004',
    'warning',
    (template: string, sends: number, suggestion?: string) =>
      `no template '${template}'${didYouMean(suggestion)}: ${sends === 1 ? 'the send naming it is' : `the ${sends} sends naming it are`} recorded as failed until it exists (PUT /v1/templates/${template})`,
  ),
  unmappedConsentCategory: def(
    'ITN2005',
    'warning',
    (category: string) =>
      `consent category '${category}' is received from consent banners but maps to no consent, so it grants nothing: list it in a consent's 'categories' clause`,
  ),
  unmappedConsentPurpose: def(
    'ITN2006',
    'warning',
    (purpose: string, received: string, suggestion: string | undefined, capped: boolean) =>
      `no consent category received maps consent '${purpose}'${didYouMean(suggestion)}${capped ? " (the catalogue's caps were reached: it may lie beyond them)" : ''}: name the banner's categories in its 'categories' clause (received: ${received})`,
  ),
} as const;

export type DiagnosticKey = keyof typeof Diagnostics;

export function report<Args extends unknown[]>(definition: DiagnosticDef<Args>, span: Span, ...args: Args): Diagnostic {
  return {
    code: definition.code,
    severity: definition.severity,
    message: definition.message(...args),
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
  };
}
