/**
 * Compiles the editor's program off the main thread. The compiler takes 60-190 ms on a
 * 2,000-line program; on the main thread that would freeze typing for as long after every
 * pause. Here typing never waits, and only the newest program is compiled: a request that
 * arrives while another compiles replaces any still waiting.
 */
import type { Block, Declaration, Program, Step } from '../../../src/dsl/ast.js';
import { checkData } from '../../../src/dsl/check-data.js';
import { compile, parseProgram } from '../../../src/dsl/index.js';
import { compareDiagnostics } from '../../../src/dsl/positions.js';
import type { CompileAnswer, CompileRequest, DataFactsMessage, DeclaredNames, WorkerReady } from './compile-protocol';

let waiting: CompileRequest | undefined;
let scheduled = false;
let facts: DataFactsMessage['facts'] | undefined;

self.onmessage = (event: MessageEvent<CompileRequest | DataFactsMessage>) => {
  if ('facts' in event.data) {
    facts = event.data.facts;
    return;
  }
  waiting = event.data;
  if (scheduled) return;
  scheduled = true;
  // A macrotask: messages that queued up during a compile are all read before the next.
  setTimeout(run, 0);
};
self.postMessage({ ready: true } satisfies WorkerReady);

function run(): void {
  scheduled = false;
  const request = waiting;
  waiting = undefined;
  if (!request) return;
  const started = performance.now();
  const { diagnostics } = compile(request.source);
  // Parsing again costs a fraction of the check; it keeps compile() as the CLI runs it.
  const { program } = parseProgram(request.source);
  const answer: CompileAnswer = {
    id: request.id,
    diagnostics: facts ? [...diagnostics, ...checkData(program, facts)].sort(compareDiagnostics) : diagnostics,
    declared: declaredNames(program),
    compileMs: performance.now() - started,
  };
  self.postMessage(answer);
}

function declaredNames(program: Program): DeclaredNames {
  const names: DeclaredNames = { consents: [], segments: [], journeys: [], templates: [] };
  const templates = new Set<string>();
  for (const declaration of program.declarations) {
    collect(declaration, names);
    if (declaration.kind === 'journey') for (const item of declaration.items) stepTemplates(item as Step, templates);
    if (declaration.kind === 'broadcast') {
      for (const clause of declaration.clauses) if (clause.kind === 'send') stepTemplates(clause.send, templates);
    }
    if (declaration.kind === 'consent') {
      for (const clause of declaration.clauses) if (clause.kind === 'confirm') templates.add(clause.template.value);
    }
  }
  names.templates = [...templates];
  return names;
}

function collect(declaration: Declaration, names: DeclaredNames): void {
  const kind = declaration.kind === 'recovered' ? declaration.declares : declaration.kind;
  const name = declaration.name?.text;
  // Nothing refers to a broadcast by name in the rules: no completion to offer.
  if (!kind || !name || kind === 'broadcast') return;
  const list = { consent: names.consents, segment: names.segments, journey: names.journeys }[kind];
  if (!list.includes(name)) list.push(name);
}

function stepTemplates(step: Step, templates: Set<string>): void {
  const blocks: (Block | undefined)[] = [];
  switch (step.kind) {
    case 'sendEmail':
      if (!step.template.value.includes('{')) templates.add(step.template.value);
      return;
    case 'waitFor':
      blocks.push(step.then, step.otherwise);
      break;
    case 'if':
      blocks.push(step.then, step.else);
      break;
    case 'split':
      blocks.push(...step.branches.map((branch) => branch.body));
      break;
    case 'for':
      blocks.push(step.body);
      break;
    default:
      return;
  }
  for (const block of blocks) for (const inner of block?.steps ?? []) stepTemplates(inner, templates);
}
