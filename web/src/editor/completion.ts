/**
 * Completion of what exists: keywords, the names the program declares, templates, and what
 * the data holds (the server's catalogue: event names, their properties, traits). What is
 * completed depends on the words before the cursor; without a catalogue only the program's
 * own names and the keywords are offered.
 */
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import keywordList from 'virtual:itn-keywords';
import type { DeclaredNames } from './compile-protocol';

/** GET /v1/catalog, as far as completion reads it. */
export interface Catalog {
  events: { name: string; count: number; properties: { path: string; kinds: string[]; count: number }[] }[];
  traits: { path: string; kinds: string[]; count: number }[];
  templates: string[];
  /** Read by the data's warnings (src/dsl/check-data.ts); older servers leave them out. */
  consentCategories?: { name: string }[];
  dropped?: { events: number; properties: number; traits: number; consentCategories: number };
}

export interface CompletionData {
  declared: DeclaredNames;
  catalog?: Catalog;
}

const WORD = /[\w.]*/;

const options = (labels: Iterable<string>, type: string, detail?: (label: string) => string | undefined): Completion[] =>
  [...new Set(labels)].map((label) => ({ label, type, ...(detail?.(label) ? { detail: detail(label) } : {}) }));

const seen = (count: number) => `${count.toLocaleString('en')} seen`;

/**
 * A name inside a string: written with its closing quote unless one follows already, so
 * choosing "Ebook Signup" after `performed "Eb` leaves `performed "Ebook Signup"`.
 */
function quoted(completions: Completion[]): Completion[] {
  return completions.map((completion) => ({
    ...completion,
    apply: (view, _completion, from, to) => {
      const closed = view.state.sliceDoc(to, to + 1) === '"';
      const insert = closed ? completion.label : `${completion.label}"`;
      view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + completion.label.length + 1 } });
    },
  }));
}

/** Inside a string after `performed`, `wait for`, `exit on` or `of`: an event name. */
function eventNames(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const match = context.matchBefore(/(?:performed|for|on|of)\s+"[^"]*/);
  if (!match || !data.catalog) return null;
  const from = match.from + match.text.indexOf('"') + 1;
  const counts = new Map(data.catalog.events.map((event) => [event.name, event.count]));
  return {
    from,
    options: quoted(options(counts.keys(), 'event', (name) => seen(counts.get(name) ?? 0))),
    validFor: /^[^"]*$/,
  };
}

/** Inside the string after `send email`, or a consent's `confirm with email`: a template. */
function templateNames(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const match = context.matchBefore(/email\s+"[^"]*/);
  if (!match) return null;
  const from = match.from + match.text.indexOf('"') + 1;
  return {
    from,
    options: quoted(options([...(data.catalog?.templates ?? []), ...data.declared.templates], 'template')),
    validFor: /^[^"]*$/,
  };
}

/** After `performed "X" where …`: the properties seen on event X. */
function propertyPaths(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const clause = /"([^"]+)"\s+where\s+(?:[^"]|"[^"]*")*$/.exec(before);
  const word = context.matchBefore(WORD);
  if (!clause || !word || !data.catalog) return null;
  const event = data.catalog.events.find((candidate) => candidate.name === clause[1]);
  if (!event) return null;
  return {
    from: word.from,
    options: event.properties.map((property) => ({ label: property.path, type: 'property', detail: property.kinds.join(' | ') })),
    validFor: /^[\w.]*$/,
  };
}

/** After `trait` (a condition, or `set trait`): the traits seen on profiles. */
function traitPaths(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const match = context.matchBefore(/trait\s+[\w.]*/);
  if (!match || !data.catalog) return null;
  const word = context.matchBefore(WORD)!;
  return {
    from: word.from,
    options: data.catalog.traits.map((trait) => ({ label: trait.path, type: 'property', detail: trait.kinds.join(' | ') })),
    validFor: /^[\w.]*$/,
  };
}

/** After `segment` (in a condition or a trigger) or `consent`: the declared ones. */
function declaredReference(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const match = context.matchBefore(/\b(segment|consent)\s+\w*/);
  if (!match) return null;
  const line = context.state.doc.lineAt(match.from);
  // At the start of a line the word declares a new one: nothing to complete.
  if (line.text.slice(0, match.from - line.from).trim() === '') return null;
  const word = context.matchBefore(/\w*/)!;
  const names = match.text.startsWith('segment') ? data.declared.segments : data.declared.consents;
  return { from: word.from, options: options(names, match.text.startsWith('segment') ? 'segment' : 'consent'), validFor: /^\w*$/ };
}

function anyWord(context: CompletionContext, data: CompletionData): CompletionResult | null {
  const word = context.matchBefore(/\w+/);
  if (!word && !context.explicit) return null;
  return {
    from: word?.from ?? context.pos,
    options: [
      ...options(keywordList, 'keyword'),
      ...options(data.declared.segments, 'segment'),
      ...options(data.declared.consents, 'consent'),
      ...options(data.declared.journeys, 'journey'),
    ],
    validFor: /^\w*$/,
  };
}

/** `current()` is read on every completion: the names follow the program as it changes. */
export function itnCompletion(current: () => CompletionData) {
  const sources = [templateNames, eventNames, propertyPaths, traitPaths, declaredReference, anyWord];
  return autocompletion({
    override: [
      (context) => {
        const data = current();
        for (const source of sources) {
          const result = source(context, data);
          if (result) return result;
        }
        return null;
      },
    ],
  });
}
