/**
 * The API contract, enforced: every answer a test receives from an Itinera server is
 * checked against the OpenAPI document (src/server/openapi/document.ts). The operation
 * must be documented, its status too, and the body must match the documented schema
 * (JSON by schema, other media types by type only). A request to a path the document does
 * not have may only be answered 404/405 with the error body: that is what "no such
 * endpoint" looks like. Anything else throws, naming the request and what differed.
 */
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { apiDocument } from '../../src/server/openapi/document.js';

// CommonJS modules: their `default` export is the class and the plugin under both Node and vitest.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = Record<string, any>;
const DOCUMENT_ID = 'itinera-openapi.json';

interface Template {
  template: string;
  pattern: RegExp;
  /** Literal characters: a literal path wins over a template that also matches (`/v1/segments/preview` over `{id}`). */
  literal: number;
}

let state:
  { document: Json; ajv: InstanceType<typeof Ajv2020>; templates: Template[]; validators: Map<string, ValidateFunction> } | undefined;

function setup() {
  if (state) return state;
  const document = apiDocument() as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The whole document, so that `#/components/schemas/...` references resolve within it.
  ajv.addSchema(document, DOCUMENT_ID);
  const templates = Object.keys(document.paths ?? {}).map((template) => {
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    return { template, pattern: new RegExp(`^${source}$`), literal: template.replace(/\{[^}]+\}/g, '').length };
  });
  templates.sort((a, b) => b.literal - a.literal);
  state = { document, ajv, templates, validators: new Map() };
  return state;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** A validator for the schema at a JSON pointer of the document (its parts unescaped). */
export function validatorAt(path: string[]): ValidateFunction {
  const { ajv, validators } = setup();
  const ref = `${DOCUMENT_ID}#/${pointer(...path)}`;
  const known = validators.get(ref);
  if (known) return known;
  const validate = ajv.compile({ $ref: ref });
  validators.set(ref, validate);
  return validate;
}

/** The documented template a request path falls under, if any. */
export function templateOf(path: string): string | undefined {
  const pathname = path.split('?')[0]!.split('#')[0]!;
  return setup().templates.find((t) => t.pattern.test(pathname))?.template;
}

/** `application/json; charset=utf-8` → `application/json`. */
const mediaTypeOf = (contentType: string | null | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

function documentedMediaType(content: Json, mediaType: string): string | undefined {
  if (content[mediaType]) return mediaType;
  const [type] = mediaType.split('/');
  if (content[`${type}/*`]) return `${type}/*`;
  if (content['*/*']) return '*/*';
  return undefined;
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

export interface Answer {
  method: string;
  /** As requested, with the query. */
  path: string;
  status: number;
  contentType: string | null | undefined;
  /** JSON parsed when it parsed, else the text. */
  body: unknown;
}

function fail(answer: Answer, problem: string): never {
  throw new Error(`API contract: ${answer.method.toUpperCase()} ${answer.path} → ${answer.status}: ${problem}`);
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '(body)'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as Json).additionalProperty})` : ''}`,
    )
    .join('; ');
}

/** What a worker process serves: its probes and its metrics. */
const HEALTH_PATHS = ['/health', '/ready', '/metrics'];

/**
 * Throws when the answer breaks the document; returns quietly when it keeps to it. A server
 * of the `health` surface (a worker process) serves only /health, /ready and /metrics of it.
 */
export function checkAnswer(answer: Answer, surface: Surface = 'api'): void {
  const { document } = setup();
  const method = answer.method.toLowerCase() === 'head' ? 'get' : answer.method.toLowerCase();
  const found = templateOf(answer.path);
  const template = surface === 'health' && found && !HEALTH_PATHS.includes(found) ? undefined : found;
  const operation = template ? document.paths[template]?.[method] : undefined;
  const mediaType = mediaTypeOf(answer.contentType);

  if (!operation) {
    // Not a documented operation: only "no such endpoint" keeps to the contract.
    if (answer.status !== 404 && answer.status !== 405)
      fail(answer, template ? `the document has no ${method.toUpperCase()} ${template}` : 'the document has no such path');
    if (!isJson(mediaType)) fail(answer, `an unknown endpoint answered ${mediaType || 'without a body type'}, not the error body`);
    const validate = validatorAt(['components', 'schemas', 'Error']);
    if (!validate(answer.body)) fail(answer, `the error body does not match: ${describeErrors(validate)}`);
    return;
  }

  const responses = operation.responses ?? {};
  const status = String(answer.status);
  const statusKey = [status, `${status[0]}XX`, 'default'].find((key) => responses[key]);
  if (!statusKey)
    fail(
      answer,
      `status ${status} is not documented for ${method.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`,
    );
  const response = responses[statusKey] as Json;
  const content = response.content as Json | undefined;
  const empty = answer.body === '' || answer.body === undefined;

  if (!content || Object.keys(content).length === 0) {
    // Redirects carry a courtesy body express writes; the contract is the Location.
    if (!empty && answer.status >= 200 && answer.status < 300 && answer.method.toLowerCase() !== 'head')
      fail(answer, `a body (${mediaType}) where the document says there is none`);
    return;
  }
  if (empty && (answer.method.toLowerCase() === 'head' || answer.status === 204 || answer.status === 304)) return;
  const documented = documentedMediaType(content, mediaType);
  if (!documented) fail(answer, `media type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`);
  if (!isJson(mediaType) || answer.method.toLowerCase() === 'head') return;
  if (!content[documented]?.schema) return;
  const validate = validatorAt(['paths', template!, method, 'responses', statusKey, 'content', documented, 'schema']);
  if (!validate(answer.body)) fail(answer, `the body does not match the schema: ${describeErrors(validate)}`);
}

/**
 * What a base URL serves: the whole API, only the health routes (a worker process, which
 * answers anything else 404 with the error body), or it is not an Itinera server at all.
 */
export type Surface = 'api' | 'health' | undefined;

/** Base URLs known to be (or not to be) Itinera servers, by what their /health and the document's path answer. */
const surfaces = new Map<string, Promise<Surface>>();

async function probe(baseUrl: string): Promise<Surface> {
  const health = await fetch(`${baseUrl}/health`);
  const body = (await health.json().catch(() => undefined)) as Json | undefined;
  if (health.status !== 200 || body?.status !== 'ok') return undefined;
  const document = await fetch(`${baseUrl}/v1/openapi.json`);
  await document.arrayBuffer();
  return document.status === 200 ? 'api' : 'health';
}

/** Whether `baseUrl` is an Itinera server, and which routes it serves: only those are held to the contract. */
export function surfaceOf(baseUrl: string): Promise<Surface> {
  let known = surfaces.get(baseUrl);
  if (!known) {
    known = probe(baseUrl).catch(() => {
      // Not answering (stopped, or not started yet): ask again next time.
      surfaces.delete(baseUrl);
      return undefined;
    });
    surfaces.set(baseUrl, known);
  }
  return known;
}
