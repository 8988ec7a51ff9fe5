/**
 * Hover over a segment's or a consent's name: a segment's definition as written and, with
 * a server, how many profiles it holds there; a consent's terms (expiry, reminder,
 * categories, confirmation).
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { ConsentDecl, Duration } from '../dsl/ast.js';
import type { Analysis } from './analysis.js';
import { nameAt } from './names.js';
import { rangeOf } from './ranges.js';
import type { ServerData } from './server-data.js';

const FENCE = '```';

export async function hover(
  analysis: Analysis,
  lineText: string,
  position: Position,
  server: ServerData | undefined,
): Promise<Hover | null> {
  const found = nameAt(analysis, lineText, position);
  if (!found) return null;
  const source = analysis.reader.text(found.declared.span);
  const parts = [`${FENCE}itinera\n${source}\n${FENCE}`];
  if (found.kind === 'segment' && server) parts.push(await segmentSize(found.name, server));
  if (found.kind === 'consent' && found.declared.declaration) parts.push(consentTerms(found.declared.declaration));
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') }, range: rangeOf(found.declared.name.span) };
}

async function segmentSize(name: string, server: ServerData): Promise<string> {
  const size = await server.segment(name);
  if (size === undefined) return `Size: unknown (${server.url} did not answer)`;
  if (size === null) return `Not in the active rules of ${server.url}`;
  const count = `${size.size.toLocaleString('en')} profile${size.size === 1 ? '' : 's'}`;
  return size.state === 'ready' ? `**${count}** on ${server.url}` : `**${count}** on ${server.url} (recomputing)`;
}

const duration = (d: Duration) => `${d.amount} ${d.unit}${d.amount === 1 ? '' : 's'}`;

function consentTerms(consent: ConsentDecl): string {
  const terms: string[] = [];
  for (const clause of consent.clauses) {
    switch (clause.kind) {
      case 'expires':
        terms.push(`expires ${duration(clause.duration)} after it is granted`);
        break;
      case 'remind':
        terms.push(`a reminder ${duration(clause.duration)} before it expires`);
        break;
      case 'categories':
        terms.push(`categories: ${clause.categories.map((category) => category.text).join(', ')}`);
        break;
      case 'confirm':
        terms.push(`double opt-in: confirmed from e-mail template "${clause.template.value}"`);
        break;
    }
  }
  if (!terms.some((term) => term.startsWith('expires'))) terms.unshift('no expiry: granted until revoked');
  return terms.map((term) => `- ${term}`).join('\n');
}
