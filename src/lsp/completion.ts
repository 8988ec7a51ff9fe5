/**
 * Completion of what exists: keywords, the names the program declares and, with a server,
 * what the data holds. Which of them depends on the words before the cursor
 * (./completion-context.ts); each item replaces the text typed since the site's start.
 */
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { KEYWORDS } from '../dsl/keywords.js';
import { declarationAt, type Analysis } from './analysis.js';
import { completionSite, type CompletionSite } from './completion-context.js';
import type { Catalog } from './server-data.js';

export interface CompletionInput {
  analysis: Analysis;
  /** The cursor's line, whole: what follows the cursor decides whether a closing quote is written. */
  lineText: string;
  position: Position;
  /** Read only where the site needs it, so typing a keyword never waits on the server. */
  catalog: () => Promise<Catalog | undefined>;
}

const seen = (count: number) => `${count.toLocaleString('en')} seen`;

export async function complete(input: CompletionInput): Promise<CompletionItem[]> {
  const before = input.lineText.slice(0, input.position.character);
  const site = completionSite(before);
  const item = itemMaker(input, site);
  switch (site.kind) {
    case 'template':
      return ((await input.catalog())?.templates ?? []).map((name) => item.quoted(name, CompletionItemKind.File));
    case 'event':
      return ((await input.catalog())?.events ?? []).map((event) => item.quoted(event.name, CompletionItemKind.Event, seen(event.count)));
    case 'property': {
      const event = (await input.catalog())?.events.find((candidate) => candidate.name === site.event);
      return (event?.properties ?? []).map((property) =>
        item.plain(property.path, CompletionItemKind.Property, property.kinds.join(' | ')),
      );
    }
    case 'trait':
      return ((await input.catalog())?.traits ?? []).map((trait) =>
        item.plain(trait.path, CompletionItemKind.Property, trait.kinds.join(' | ')),
      );
    case 'segment':
      return otherSegments(input).map((name) => item.plain(name, CompletionItemKind.Class, 'segment'));
    case 'consent':
      return [...input.analysis.consents.keys()].map((name) => item.plain(name, CompletionItemKind.Constant, 'consent'));
    case 'word':
      return [
        ...KEYWORDS.map((word) => item.plain(word, CompletionItemKind.Keyword)),
        ...[...input.analysis.segments.keys()].map((name) => item.plain(name, CompletionItemKind.Class, 'segment')),
        ...[...input.analysis.consents.keys()].map((name) => item.plain(name, CompletionItemKind.Constant, 'consent')),
        ...input.analysis.journeys.map((name) => item.plain(name, CompletionItemKind.Module, 'journey')),
      ];
  }
}

/** The segment being written is left out: one that depends on itself is an error. */
function otherSegments({ analysis, position }: CompletionInput): string[] {
  const writing = declarationAt(analysis, position);
  const own = writing?.kind === 'segment' ? writing.name : undefined;
  return [...analysis.segments.keys()].filter((name) => name !== own);
}

function itemMaker(input: CompletionInput, site: CompletionSite) {
  const { line, character } = input.position;
  const range = { start: { line, character: site.from }, end: { line, character } };
  // A name inside a string is written with its closing quote unless one follows already,
  // so choosing "Ebook Signup" after `performed "Eb` leaves `performed "Ebook Signup"`.
  const closed = input.lineText[character] === '"';
  return {
    plain: (label: string, kind: CompletionItemKind, detail?: string): CompletionItem => ({
      label,
      kind,
      ...(detail ? { detail } : {}),
      textEdit: { range, newText: label },
    }),
    quoted: (label: string, kind: CompletionItemKind, detail?: string): CompletionItem => ({
      label,
      kind,
      ...(detail ? { detail } : {}),
      textEdit: { range, newText: closed ? label : `${label}"` },
    }),
  };
}
