/**
 * Rule programs: deploy one (compiled, and stored as a new version only when free of
 * errors), see what a draft would change before deploying it, list the versions with who
 * deployed them, when and why, compare any two, and roll back to an earlier one (as a new
 * version, through the same path as a deploy).
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { compile, parseProgram } from '../../dsl/index.js';
import type { RulesDoc } from '../../store/rules.js';
import type { DeployRecord, RulesHeader } from '../../store/rules.js';
import { declareNewSegments } from '../../segments/recompute.js';
import { textDiff } from '../../util/text-diff.js';
import { actorLabel, actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { logDeploy } from '../deploy-log.js';
import { deploySummary } from '../deploy-summary.js';
import { deployWarnings } from '../deploy-warnings.js';
import { badRequest, fromZod, HttpError, notFound } from '../errors.js';
import { rulesChanges } from '../rules-changes.js';

const MAX_PROGRAM_BYTES = '1mb';
/** A note says why, in a sentence or a few; a longer text belongs in the program's comments. */
export const MAX_NOTE_CHARS = 500;
export const NOTE_HEADER = 'x-itinera-note';

const positiveInteger = z.coerce.number({ message: 'a positive integer' }).int('a positive integer').positive('a positive integer');
const note = z.string().max(MAX_NOTE_CHARS, `at most ${MAX_NOTE_CHARS} characters`);

export const versionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: positiveInteger.optional(),
  })
  .strict();

export const diffQuery = z.object({ from: positiveInteger, to: positiveInteger }).strict();

export const rollbackBody = z.object({ version: z.number().int().positive(), note: note.optional() }).strict();

export function ruleRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;

  /** PUT and roll back alike: compile, store as a new version, record who, start the recompute. */
  const deploy = async (res: Response, source: string, about: Omit<DeployRecord, 'deployedBy'>) => {
    const { ir, diagnostics } = compile(source);
    if (!ir) {
      res.status(422).json({ diagnostics });
      return;
    }
    const deployedBy = actorLabel(actorOf(res));
    const before = await stores.rules.active();
    const version = await stores.rules.deploy(source, ir, deps.now(), { deployedBy, ...about }, (next) =>
      declareNewSegments(stores, ir, next, deps.now),
    );
    logDeploy(deps.logger, { actor: deployedBy, version, before: before?.ir, after: ir, ...about });
    const detail = {
      ...(about.note === undefined ? {} : { note: about.note }),
      ...(about.rolledBackFrom === undefined ? {} : { rolledBackFrom: about.rolledBackFrom }),
    };
    // The audit entry, the recompute's start and the warnings go together: the version is
    // active already, and the segments are ready that much sooner (the start is a round to
    // Temporal; in line after the entry it held a first deploy of 80 segments back by the
    // entry's write). Should the process die before the entry is written, so would it have
    // before; the sweeper starts a recompute that did not start.
    const [, recompute, warnings] = await Promise.all([
      stores.audit.record({
        at: deps.now(),
        kind: 'rules.deployed',
        actor: deployedBy,
        subject: { version },
        ...(Object.keys(detail).length > 0 ? { detail } : {}),
      }),
      // The segments it adds or changes are computed over everyone in the background
      // (GET /v1/segments shows the progress); should the start fail, the sweeper retries it.
      (deps.startSegmentRecompute?.(version) ?? Promise.resolve()).then(
        () => 'started' as const,
        (error: unknown) => {
          deps.logger.warn({ err: error, version }, 'segment recompute not started; the sweeper will start it');
          return 'pending' as const;
        },
      ),
      // The AST again (compile keeps only the IR): the data's warnings point into the source.
      deployWarnings(stores, parseProgram(source).program, ir),
    ]);
    res.json({
      version,
      diagnostics,
      warnings,
      segments: { recompute },
      ...(about.rolledBackFrom === undefined ? {} : { rolledBackFrom: about.rolledBackFrom }),
    });
  };

  const versionOrNotFound = async (version: number) => {
    const found = await stores.rules.get(version);
    if (!found) throw notFound(`no rules version ${version}`);
    return found;
  };

  router.put('/v1/rules', express.text({ type: 'text/plain', limit: MAX_PROGRAM_BYTES }), async (req, res) => {
    const source = plainText(req.is('text/plain'), req.body, 'send the rule program as Content-Type: text/plain');
    await deploy(res, source, noteFromHeader(req.get(NOTE_HEADER)));
  });

  router.get('/v1/rules', async (_req, res) => {
    const rules = await stores.rules.active();
    if (!rules) throw notFound('no rules deployed yet');
    res.json({ ...presentHeader(rules, rules._id), source: rules.source });
  });

  router.get('/v1/rules/versions', async (req, res) => {
    const parsed = versionsQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { limit, before } = parsed.data;
    // One more than asked tells whether there is a next page without asking again.
    const [headers, active] = await Promise.all([
      stores.rules.headers({ limit: limit + 1, ...(before === undefined ? {} : { before }) }),
      stores.rules.activeVersion(),
    ]);
    const page = headers.slice(0, limit);
    res.json({
      versions: page.map((header) => presentHeader(header, active)),
      next: headers.length > limit ? page[page.length - 1]!._id : null,
    });
  });

  router.get('/v1/rules/versions/:version', async (req, res) => {
    const version = versionParam(req.params.version);
    const [rules, active] = await Promise.all([versionOrNotFound(version), stores.rules.activeVersion()]);
    res.json({ ...presentHeader(rules, active), source: rules.source });
  });

  router.get('/v1/rules/diff', async (req, res) => {
    const parsed = diffQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const [from, to] = await Promise.all([versionOrNotFound(parsed.data.from), versionOrNotFound(parsed.data.to)]);
    const { patch, hunks } = textDiff(`v${from._id}`, `v${to._id}`, from.source, to.source);
    res.json({ from: from._id, to: to._id, patch, hunks, changes: rulesChanges(from.ir, to.ir) });
  });

  router.post('/v1/rules/summary', express.text({ type: 'text/plain', limit: MAX_PROGRAM_BYTES }), async (req, res) => {
    const draft = plainText(req.is('text/plain'), req.body, 'send the draft program as Content-Type: text/plain');
    res.json(await deploySummary(stores, draft, deps.now()));
  });

  router.post('/v1/rules/rollback', async (req, res) => {
    if (!req.is('application/json'))
      throw new HttpError(415, 'unsupported_media_type', 'send {"version": N, "note"?: "…"} as Content-Type: application/json');
    const parsed = rollbackBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const [target, active] = await Promise.all([versionOrNotFound(parsed.data.version), stores.rules.active()]);
    // Deploying the program that is already active would only split journeys' figures over one more version.
    if (active && active.source === target.source) {
      throw new HttpError(
        409,
        'already_active',
        `version ${target._id}'s program is the active one (version ${active._id}): nothing to roll back`,
      );
    }
    await deploy(res, target.source, {
      rolledBackFrom: target._id,
      ...(parsed.data.note === undefined || parsed.data.note.trim() === '' ? {} : { note: parsed.data.note.trim() }),
    });
  });

  return router;
}

/** Versions deployed before accounts existed carry no deployer: only the admin key could deploy then. */
function presentHeader(header: RulesHeader, activeVersion: number | null) {
  return {
    version: header._id,
    deployedAt: header.deployedAt,
    deployedBy: header.deployedBy ?? 'admin',
    note: header.note ?? null,
    active: header._id === activeVersion,
    ...(header.rolledBackFrom === undefined ? {} : { rolledBackFrom: header.rolledBackFrom }),
  };
}

function plainText(isText: string | false | null, body: unknown, message: string): string {
  if (!isText || typeof body !== 'string') throw new HttpError(415, 'unsupported_media_type', message);
  return body;
}

/** The header is URL-encoded, so a note may hold any character; blank means none. */
function noteFromHeader(header: string | undefined): Pick<RulesDoc, 'note'> {
  if (header === undefined) return {};
  let decoded: string;
  try {
    decoded = decodeURIComponent(header).trim();
  } catch {
    throw badRequest('invalid_note', `${NOTE_HEADER}: not URL-encoded (encode it with encodeURIComponent)`);
  }
  if (decoded.length > MAX_NOTE_CHARS) throw badRequest('invalid_note', `${NOTE_HEADER}: at most ${MAX_NOTE_CHARS} characters`);
  return decoded === '' ? {} : { note: decoded };
}

/** A version in a path: anything but a positive integer names no version (a 404, not a 400). */
export const versionPath = z.object({
  version: z
    .string()
    .regex(/^[1-9]\d{0,9}$/)
    .meta({ description: 'A rules version', example: '7' }),
});

function versionParam(param: string | undefined): number {
  const parsed = versionPath.safeParse({ version: param });
  const version = parsed.success ? Number(parsed.data.version) : NaN;
  if (!Number.isSafeInteger(version)) throw notFound(`no rules version ${param ?? ''}`);
  return version;
}
