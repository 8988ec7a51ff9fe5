/**
 * Warnings from the data: names a program uses that the data has never shown. The data
 * catalogue (GET /v1/catalog) lists the events received with their property paths, the
 * trait paths, the consent categories received; the templates are those stored. A name
 * missing from them is almost always a typo ("Ebook Sigunp", `sourse`), which no syntax
 * check can see and which would otherwise show only as a journey nobody ever enters.
 *
 * Pure: the caller reads the catalogue and the templates and passes them in; no I/O here.
 * Everything is a warning: the data may simply not have arrived yet.
 *
 * - With a catalogue that holds no event at all (a fresh install), nothing is said about
 *   events, properties, traits or consent categories: every name would be "never seen".
 * - When the catalogue's caps were reached (`dropped`), a name missing from it may lie
 *   beyond them, and the warning says so instead of asserting it was never seen.
 * - Templates are checked whenever their names are given: a send to a missing template fails.
 */
import type {
  BoolExpr,
  Condition,
  ConditionAtom,
  ConsentDecl,
  Declaration,
  Header,
  Program,
  PropAtom,
  PropCondition,
  Span,
  Step,
  StringLit,
} from './ast.js';
import { isHeader } from './ast.js';
import { assertNever } from './assert-never.js';
import { Diagnostics, MAX_FOR_ITERATIONS, report } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import { interpolate } from './lower.js';
import { compareDiagnostics } from './positions.js';
import { closestName } from './suggest.js';
import { atomsOf } from './walk.js';

/** A recorded path and the kinds of value seen at it (`object`, `array`, …). */
export interface CatalogPathSnapshot {
  path: string;
  kinds?: readonly string[];
}

/** What the checker needs of GET /v1/catalog (its response is one). */
export interface CatalogSnapshot {
  events: readonly { name: string; properties: readonly CatalogPathSnapshot[] }[];
  traits: readonly CatalogPathSnapshot[];
  consentCategories: readonly { name: string }[];
  /** Occurrences that did not fit the catalogue's caps. */
  dropped: { events: number; properties: number; traits: number; consentCategories: number };
}

export interface DataFacts {
  /** Absent: nothing is said about events, properties, traits or categories. */
  catalog?: CatalogSnapshot;
  /** The stored template names; absent: templates are not checked. */
  templates?: Iterable<string>;
}

/**
 * How deep the catalogue follows nested objects (MAX_PATH_DEPTH of src/ingest/catalog-paths.ts,
 * which this layer cannot import; a test keeps the two equal): below a prefix that deep,
 * or below an array, nothing is recorded, so nothing can be said.
 */
export const CATALOG_PATH_DEPTH = 5;

export function checkData(program: Program, facts: DataFacts): Diagnostic[] {
  const uses = usesOf(program);
  const diagnostics: Diagnostic[] = [];
  const catalog = facts.catalog;
  if (catalog && (catalog.events.length > 0 || catalog.dropped.events > 0)) {
    diagnostics.push(...checkEvents(uses, catalog), ...checkTraits(uses, catalog), ...checkConsentCategories(program, catalog));
  }
  if (facts.templates) diagnostics.push(...checkTemplates(uses, new Set(facts.templates)));
  return withoutRepeats(diagnostics).sort(compareDiagnostics);
}

/** The name to suggest for `name`: one equal ignoring case first, else the nearest by edit distance. */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const folded = name.toLowerCase();
  return list.find((candidate) => candidate.toLowerCase() === folded) ?? closestName(name, list);
}

// ------------------------------------------------------------------- what a program uses

interface EventUse {
  event: string;
  span: Span;
  /** Property paths this use reads of the event (its `where`, an aggregate's property). */
  properties: { path: string; span: Span }[];
}

export interface TemplateUse {
  /** The first send naming it, in source order. */
  span: Span;
  /** Sends naming it, a `for` loop's counted once per iteration. */
  sends: number;
}

interface Uses {
  events: EventUse[];
  traits: { path: string; span: Span }[];
  /** Trait paths the program's journeys set: a trait they create is not a typo for the data to confirm. */
  setTraits: Set<string>;
  templates: Map<string, TemplateUse>;
}

type Env = ReadonlyMap<string, number>;
const NO_VARIABLES: Env = new Map();

/** The templates a program's sends name, with the first send and the number of sends for each. */
export function templateUses(program: Program): Map<string, TemplateUse> {
  return usesOf(program).templates;
}

/**
 * Every event, property, trait and template name the program uses, in source order, `for`
 * loops unrolled with their variable substituted (a `"chapter {i}"` is five names).
 */
function usesOf(program: Program): Uses {
  const uses: Uses = { events: [], traits: [], setTraits: new Set(), templates: new Map() };
  for (const decl of program.declarations) collectDeclaration(uses, decl);
  return uses;
}

function collectDeclaration(uses: Uses, decl: Declaration): void {
  switch (decl.kind) {
    case 'consent':
      for (const clause of decl.clauses) if (clause.kind === 'confirm') useTemplate(uses, clause.template, NO_VARIABLES);
      return;
    case 'segment':
      collectCondition(uses, decl.condition, NO_VARIABLES);
      return;
    case 'journey':
      for (const item of decl.items) {
        if (isHeader(item)) collectHeader(uses, item);
        else collectSteps(uses, [item], NO_VARIABLES);
      }
      return;
    case 'broadcast':
      for (const clause of decl.clauses) if (clause.kind === 'send') collectSteps(uses, [clause.send], NO_VARIABLES);
      return;
    case 'recovered':
      return;
    default:
      assertNever(decl, 'declaration');
  }
}

function collectHeader(uses: Uses, header: Header): void {
  if (header.kind === 'trigger' && header.trigger.kind === 'performed')
    useEvent(uses, header.trigger.event, header.trigger.where, NO_VARIABLES);
  else if (header.kind === 'exitOn') useEvent(uses, header.event, header.where, NO_VARIABLES);
  else if (header.kind === 'exitWhen') collectCondition(uses, header.condition, NO_VARIABLES);
}

function collectSteps(uses: Uses, steps: readonly Step[], env: Env): void {
  for (const step of steps) {
    switch (step.kind) {
      case 'sendEmail':
        useTemplate(uses, step.template, env);
        break;
      case 'setTrait':
        uses.setTraits.add(step.path.segments.join('.'));
        break;
      case 'waitFor':
        useEvent(uses, step.event, step.where, env);
        collectSteps(uses, step.then?.steps ?? [], env);
        collectSteps(uses, step.otherwise?.steps ?? [], env);
        break;
      case 'if':
        collectCondition(uses, step.condition, env);
        collectSteps(uses, step.then.steps, env);
        collectSteps(uses, step.else?.steps ?? [], env);
        break;
      case 'split':
        for (const branch of step.branches) collectSteps(uses, branch.body.steps, env);
        break;
      case 'for': {
        const { from, to } = { from: step.from.value, to: step.to.value };
        // A range the checker refuses is walked once, its placeholders as written.
        if (!Number.isInteger(from) || !Number.isInteger(to) || to < from || to - from + 1 > MAX_FOR_ITERATIONS) {
          collectSteps(uses, step.body.steps, env);
        } else {
          for (let i = from; i <= to; i++) collectSteps(uses, step.body.steps, new Map(env).set(step.variable.text, i));
        }
        break;
      }
      default:
        break;
    }
  }
}

function collectCondition(uses: Uses, condition: Condition, env: Env): void {
  for (const atom of atomsOf<ConditionAtom>(condition)) {
    if (atom.kind === 'trait') uses.traits.push({ path: atom.path.segments.join('.'), span: atom.path.span });
    else if (atom.kind === 'performed') useEvent(uses, atom.event, atom.where, env);
    else if (atom.kind === 'aggregate') {
      const use = useEvent(uses, atom.event, undefined, env);
      use.properties.push({ path: interpolate(atom.property.value, env), span: atom.property.span });
    }
  }
}

function useEvent(uses: Uses, event: StringLit, where: PropCondition | undefined, env: Env): EventUse {
  const use: EventUse = {
    event: interpolate(event.value, env),
    span: event.span,
    properties: where
      ? atomsOf<PropAtom>(where as BoolExpr<PropAtom>).map((atom) => ({ path: atom.path.segments.join('.'), span: atom.path.span }))
      : [],
  };
  uses.events.push(use);
  return use;
}

function useTemplate(uses: Uses, template: StringLit, env: Env): void {
  const name = interpolate(template.value, env);
  const known = uses.templates.get(name);
  if (known) known.sends += 1;
  else uses.templates.set(name, { span: template.span, sends: 1 });
}

// ------------------------------------------------------------------- the checks

function checkEvents(uses: Uses, catalog: CatalogSnapshot): Diagnostic[] {
  const byName = new Map(catalog.events.map((event) => [event.name, event.properties]));
  const eventsCapped = catalog.dropped.events > 0;
  const propertiesCapped = catalog.dropped.properties > 0;
  const diagnostics: Diagnostic[] = [];
  // A loop repeats a name once per iteration: each unknown name is compared with the catalogue once.
  const suggestions = new Map<string, string | undefined>();
  const suggestEvent = (name: string) => {
    if (!suggestions.has(name)) suggestions.set(name, suggestName(name, byName.keys()));
    return suggestions.get(name);
  };
  for (const use of uses.events) {
    if (use.event === '') continue; // ITN1307 already
    const properties = byName.get(use.event);
    if (!properties) {
      diagnostics.push(report(Diagnostics.unknownEvent, use.span, use.event, suggestEvent(use.event), eventsCapped));
      continue;
    }
    const recorded = new Map(properties.map((entry) => [entry.path, entry.kinds ?? []]));
    for (const property of use.properties) {
      if (property.path === '' || isRecorded(property.path, recorded)) continue;
      const suggestion = suggestName(property.path, recorded.keys());
      diagnostics.push(report(Diagnostics.unknownEventProperty, property.span, use.event, property.path, suggestion, propertiesCapped));
    }
  }
  return diagnostics;
}

function checkTraits(uses: Uses, catalog: CatalogSnapshot): Diagnostic[] {
  const recorded = new Map(catalog.traits.map((entry) => [entry.path, entry.kinds ?? []]));
  const capped = catalog.dropped.traits > 0;
  return uses.traits
    .filter(({ path }) => !isRecorded(path, recorded) && !isSetByProgram(path, uses.setTraits))
    .map(({ path, span }) => report(Diagnostics.unknownTrait, span, path, suggestName(path, recorded.keys()), capped));
}

/**
 * Whether the catalogue can vouch for a path: recorded itself, or lying where the catalogue
 * does not look (below an array, or below the depth it follows objects to).
 */
function isRecorded(path: string, recorded: ReadonlyMap<string, readonly string[]>): boolean {
  if (recorded.has(path)) return true;
  const segments = path.split('.');
  for (let depth = segments.length - 1; depth >= 1; depth--) {
    const kinds = recorded.get(segments.slice(0, depth).join('.'));
    if (kinds && (kinds.includes('array') || (depth >= CATALOG_PATH_DEPTH && kinds.includes('object')))) return true;
  }
  return false;
}

/** `set trait a.b` creates `a.b`, and with it `a`; a condition on either needs no data to exist. */
function isSetByProgram(path: string, setTraits: ReadonlySet<string>): boolean {
  for (const set of setTraits) if (set === path || set.startsWith(`${path}.`) || path.startsWith(`${set}.`)) return true;
  return false;
}

function checkTemplates(uses: Uses, stored: ReadonlySet<string>): Diagnostic[] {
  return [...uses.templates]
    .filter(([name]) => name !== '' && !stored.has(name))
    .map(([name, use]) => report(Diagnostics.unknownTemplate, use.span, name, use.sends, suggestName(name, stored)));
}

/** How many received categories a warning names before "…". */
const CATEGORIES_LISTED = 5;
const LINE_ONE: Span = { line: 1, column: 1, endLine: 1, endColumn: 1 };

/**
 * Consent categories received against the purposes declared, mapped as src/consent/categories.ts
 * maps them: by a purpose's `categories`, else by its name, ignoring case. Said only of a
 * program that declares consents (one of segments alone has nothing to map them to), and
 * a purpose only once some category has been received (consents may all come through the API).
 */
function checkConsentCategories(program: Program, catalog: CatalogSnapshot): Diagnostic[] {
  const consents = program.declarations.filter((decl): decl is ConsentDecl => decl.kind === 'consent');
  if (consents.length === 0) return [];
  const mappedBy = (consent: ConsentDecl): { text: string; span: Span }[] => {
    const listed = consent.clauses.flatMap((clause) => (clause.kind === 'categories' ? clause.categories : []));
    return listed.length > 0 ? listed : [{ text: consent.name.text, span: consent.name.span }];
  };
  const fold = (text: string) => text.toLowerCase();
  const mapped = new Set(consents.flatMap((consent) => mappedBy(consent).map((category) => fold(category.text))));
  const received = catalog.consentCategories.map((category) => category.name);
  const receivedFolded = new Set(received.map(fold));
  const diagnostics = received
    .filter((category) => !mapped.has(fold(category)))
    .map((category) => report(Diagnostics.unmappedConsentCategory, LINE_ONE, category));
  if (received.length === 0) return diagnostics;
  const listed =
    received
      .slice(0, CATEGORIES_LISTED)
      .map((name) => `'${name}'`)
      .join(', ') + (received.length > CATEGORIES_LISTED ? ', …' : '');
  const capped = catalog.dropped.consentCategories > 0;
  for (const consent of consents) {
    const categories = mappedBy(consent);
    if (categories.some((category) => receivedFolded.has(fold(category.text)))) continue;
    const suggestion = categories.map((category) => closestName(category.text, received)).find((found) => found !== undefined);
    diagnostics.push(report(Diagnostics.unmappedConsentPurpose, consent.name.span, consent.name.text, listed, suggestion, capped));
  }
  return diagnostics;
}

/** A `for` loop reports a use once per iteration: one warning per place and message is enough. */
function withoutRepeats(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.code}|${diagnostic.line}:${diagnostic.column}|${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
