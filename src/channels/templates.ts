/**
 * E-mail templates in Liquid: checked when stored (a position for each mistake) and
 * rendered at send time, in an activity, with the person's traits and the step's `with`
 * values. Rendering never runs user code: liquidjs has no access to the process.
 */
import { Liquid } from 'liquidjs';

export interface TemplateParts {
  subject: string;
  html: string;
  text?: string;
}

export interface TemplateProblem {
  part: keyof TemplateParts;
  message: string;
  line?: number;
  column?: number;
}

/** What a template sees: `traits.first_name`, `with.chapter`, `unsubscribe_url`. */
export interface TemplateScope {
  traits: Record<string, unknown>;
  with: Record<string, unknown>;
  profile_id: string;
  /** Marketing e-mails (their journey requires consent). */
  unsubscribe_url?: string;
  /** Double opt-in confirmations: the link that confirms, and the purpose it grants. */
  confirm_url?: string;
  purpose?: string;
}

// One engine for the process. Strict filters: a misspelt filter is a mistake at PUT time,
// not an empty string in a customer's inbox. Variables stay lenient: a person without a
// first name is normal, and `{{ traits.first_name | default: "there" }}` handles it.
// `templates: {}`: liquidjs otherwise reads `{% include %}`, `{% render %}` and `{% layout %}`
// from the server's working directory, and a template could mail its files anywhere.
const options = { strictFilters: true, strictVariables: false, ownPropertyOnly: true, cache: 200, templates: {} } as const;
const plain = new Liquid(options);
// In the HTML part every output is escaped: a trait holding markup shows as text, and
// `| raw` is there for a value meant as markup.
const html = new Liquid({ ...options, outputEscape: 'escape' });
// A template is one text: the tags that pull in another file are mistakes when it is
// stored (with their position), not a failed send later.
for (const engine of [plain, html])
  for (const tag of ['include', 'render', 'layout'])
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} is not available: a template is one text, it cannot load others`);
      },
      render() {
        return '';
      },
    });

const PARTS: (keyof TemplateParts)[] = ['subject', 'html', 'text'];

/** Every part that does not parse, with where; empty when the template is usable. */
export function checkTemplate(parts: TemplateParts): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const part of PARTS) {
    const source = parts[part];
    if (source === undefined) continue;
    try {
      (part === 'html' ? html : plain).parse(source);
    } catch (error) {
      problems.push(problemOf(part, error));
    }
  }
  return problems;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text?: string;
}

/** A part that parsed but failed while rendering (a filter given wrong arguments): which, and where. */
export class TemplateRenderError extends Error {
  constructor(readonly problem: TemplateProblem) {
    super(`${problem.part}: ${problem.message}`);
  }
}

export async function renderTemplate(parts: TemplateParts, scope: TemplateScope): Promise<RenderedMessage> {
  const values = scope as unknown as Record<string, unknown>;
  const render = (part: keyof TemplateParts, source: string) =>
    (part === 'html' ? html : plain).parseAndRender(source, values).catch((error: unknown) => {
      throw new TemplateRenderError(problemOf(part, error));
    });
  const [subject, body, text] = await Promise.all([
    render('subject', parts.subject),
    render('html', parts.html),
    parts.text === undefined ? undefined : render('text', parts.text),
  ]);
  // A subject is one line: a trait holding a newline must not start new headers.
  return { subject: subject.replace(/[\r\n]+/g, ' ').trim(), html: body, ...(text === undefined ? {} : { text }) };
}

function problemOf(part: keyof TemplateParts, error: unknown): TemplateProblem {
  const token = (error as { token?: { getPosition?: () => [number, number] } }).token;
  const position = token?.getPosition?.();
  // liquidjs appends ", line:1, col:5" and a source excerpt; the position is given apart.
  const message = String((error as Error).message ?? error)
    .split(', line:')[0]!
    .trim();
  return { part, message, ...(position ? { line: position[0], column: position[1] } : {}) };
}
