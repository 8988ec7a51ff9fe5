/**
 * `itinera templates push DIR`: every e-mail template in DIR to the running server
 * (PUT /v1/templates/:name), one line per template: created, updated, unchanged, or the
 * server's reason for refusing it. Exit 1 when any template failed, 2 when the command
 * line is wrong.
 *
 * The layout of DIR, one template per name, the name being what `send email "<name>"` says:
 *   <name>.html          the HTML body (required)
 *   <name>.subject.txt   the subject (required; one line, the final line break dropped)
 *   <name>.txt           the plain-text body (optional)
 * Other files (a README, images) are not templates and are left alone. A template whose
 * stored subject and bodies are already these is left unchanged (its updatedAt with it).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CliIO } from '../cli-io.js';
import { TEMPLATES_USAGE } from './usage.js';
import { CliFailure, ServerRefusal } from './errors.js';
import { callServer, serverTargetFrom, type ServerTarget } from './server-api.js';

const HTML = '.html';
const SUBJECT = '.subject.txt';
const TEXT = '.txt';

export interface TemplatesCommandDeps {
  io: CliIO;
  /** Where ITINERA_URL and ITINERA_ADMIN_KEY are read: process.env, or a test's. */
  env: NodeJS.ProcessEnv;
}

/** A template as PUT /v1/templates/:name takes it. */
interface TemplateParts {
  subject: string;
  html: string;
  text?: string;
}

interface TemplateFiles {
  html?: string;
  subject?: string;
  text?: string;
}

type Outcome = 'created' | 'updated' | 'unchanged';

export async function runTemplatesCommand(args: string[], deps: TemplatesCommandDeps): Promise<number> {
  const { io } = deps;
  if (args.length !== 2 || args[0] !== 'push' || args[1]!.startsWith('-')) {
    io.err(`usage: ${TEMPLATES_USAGE}`);
    return EXIT_USAGE;
  }
  const dir = args[1]!;
  const found = templatesIn(await listDir(dir));
  if (found.size === 0) throw new CliFailure(`${dir}: no templates (a template is <name>.html with <name>.subject.txt)`);
  const server = serverTargetFrom(deps.env);

  const tally = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const [name, files] of found) {
    try {
      const outcome = await push(server, name, await partsOf(dir, name, files));
      tally[outcome] += 1;
      io.out(`${name}: ${outcome}`);
    } catch (error) {
      // One template's refusal does not stop the others; no server does.
      if (!(error instanceof TemplateProblem || error instanceof ServerRefusal)) throw error;
      tally.failed += 1;
      io.err(`${name}: error: ${error instanceof ServerRefusal ? refusalText(error) : error.message}`);
    }
  }
  const line = `${found.size} templates: ${tally.created} created, ${tally.updated} updated, ${tally.unchanged} unchanged, ${tally.failed} failed`;
  if (tally.failed > 0) {
    io.err(`itinera: ${line}`);
    return EXIT_ERRORS;
  }
  io.out(line);
  return EXIT_OK;
}

/** Created, updated, or left alone when the server has it as it is. */
async function push(server: ServerTarget, name: string, parts: TemplateParts): Promise<Outcome> {
  const path = `/v1/templates/${encodeURIComponent(name)}`;
  const stored = await callServer<Partial<TemplateParts>>(server, { method: 'GET', path }, [404]);
  if (stored.status === 200 && sameParts(stored.body, parts)) return 'unchanged';
  const answer = await callServer<{ created: boolean }>(server, { method: 'PUT', path, json: parts });
  return answer.body.created ? 'created' : 'updated';
}

const sameParts = (stored: Partial<TemplateParts>, parts: TemplateParts) =>
  stored.subject === parts.subject && stored.html === parts.html && stored.text === parts.text;

/** The server's words, with the code that names the kind of problem (`template_invalid`…). */
const refusalText = (refusal: ServerRefusal) => `${refusal.code ? `${refusal.code}: ` : ''}${refusal.serverMessage}`;

/** A template the directory does not hold whole: reported for that template, the others still pushed. */
class TemplateProblem extends Error {}

async function partsOf(dir: string, name: string, files: TemplateFiles): Promise<TemplateParts> {
  if (!files.html) throw new TemplateProblem(`no ${name}${HTML} (the HTML body) in ${dir}`);
  if (!files.subject) throw new TemplateProblem(`no ${name}${SUBJECT} (the subject) in ${dir}`);
  const [html, subject, text] = await Promise.all([
    readPart(dir, files.html),
    readPart(dir, files.subject),
    files.text === undefined ? undefined : readPart(dir, files.text),
  ]);
  return { subject: subject.replace(/\r?\n$/, ''), html, ...(text === undefined ? {} : { text }) };
}

async function readPart(dir: string, file: string): Promise<string> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (error) {
    throw new TemplateProblem(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Template name → its files, in name order; `.subject.txt` is tried before `.txt`. */
function templatesIn(files: readonly string[]): Map<string, TemplateFiles> {
  const found = new Map<string, TemplateFiles>();
  const add = (file: string, suffix: string, part: keyof TemplateFiles) => {
    const name = file.slice(0, -suffix.length);
    if (name === '') return;
    found.set(name, { ...found.get(name), [part]: file });
  };
  for (const file of [...files].sort()) {
    if (file.endsWith(SUBJECT)) add(file, SUBJECT, 'subject');
    else if (file.endsWith(HTML)) add(file, HTML, 'html');
    else if (file.endsWith(TEXT)) add(file, TEXT, 'text');
  }
  return found;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    throw new CliFailure(`${dir}: cannot read the directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
