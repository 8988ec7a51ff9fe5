/**
 * Broadcasts (admins and marketers): start one declared in the active rules, pause,
 * resume or cancel it, read its progress. Every answer is the broadcast's one document,
 * read by `_id`; nothing here grows with its audience.
 *
 * A broadcast is one-off: once started, its name never starts again (a completed or
 * cancelled one answers 409); a new mailing is a new declaration with a new name. Each
 * change of state is one guarded write of the document first, then a signal to the run:
 * a refused request (4xx) changes nothing, and a signal lost in a crash is made good by
 * the run, which obeys the stored state at its next batch.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { BroadcastIR } from '../../dsl/ir.js';
import { isValidTimeZone } from '../../util/local-time.js';
import { MAX_BROADCAST_RATE } from '../../dsl/codes.js';
import { MAX_AUDIENCE_CHUNK_SIZE, type BroadcastDoc, type BroadcastState } from '../../store/broadcasts.js';
import { actorLabel, actorOf } from '../actor.js';
import type { AppDeps, BroadcastAction } from '../deps.js';
import { fromZod, HttpError, notFound } from '../errors.js';

export const startBody = z
  .object({
    /** For this start only, instead of the declaration's `at most … per …`. */
    ratePerSecond: z.number().positive().max(MAX_BROADCAST_RATE).optional(),
    /** Where the quiet hours are read (an IANA zone); the server's default otherwise. */
    /** Members per batch: a pause or cancel takes effect between batches. */
    batchSize: z.number().int().min(1).max(MAX_AUDIENCE_CHUNK_SIZE).optional(),
    timeZone: z.string().refine(isValidTimeZone, 'not a known time zone (IANA, such as Europe/Warsaw)').optional(),
  })
  .strict();

/** Which states each action moves from, and to. */
const MOVES: Record<BroadcastAction, { from: readonly BroadcastState[]; to: BroadcastState }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

const AUDITED = { pause: 'broadcast.paused', resume: 'broadcast.resumed', cancel: 'broadcast.cancelled' } as const;

const conflict = (code: string, message: string, state?: BroadcastState) =>
  new HttpError(409, code, message, state ? { state } : undefined);

/** The progress as the API shows it: counts, what is left, where it stands. */
function present(name: string, declared: BroadcastIR | undefined, doc: BroadcastDoc | null) {
  const base = { name, ...(declared?.title ? { title: declared.title } : {}), declared: declared !== undefined };
  if (!doc) return { ...base, state: 'not started' as const };
  const skipped = Object.values(doc.skipped).reduce((total, n) => total + (n ?? 0), 0);
  const handled = doc.sent + doc.failed + skipped;
  return {
    ...base,
    state: doc.state,
    rulesVersion: doc.rulesVersion,
    segment: doc.segment,
    template: doc.template,
    ...(doc.ratePerSecond ? { ratePerSecond: doc.ratePerSecond } : {}),
    ...(doc.quietHours ? { quietHours: doc.quietHours, timeZone: doc.timeZone } : {}),
    startedAt: doc.startedAt,
    startedBy: doc.startedBy,
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt } : {}),
    ...(doc.waitingUntil ? { waiting: { reason: 'quiet hours', until: doc.waitingUntil } } : {}),
    progress: {
      audience: doc.audience?.total ?? null,
      sent: doc.sent,
      failed: doc.failed,
      skipped: { total: skipped, ...doc.skipped },
      remaining: doc.audience ? Math.max(0, doc.audience.total - handled) : null,
    },
  };
}

export function broadcastRoutes(deps: AppDeps): Router {
  const router = Router();

  const runs = () => {
    if (!deps.broadcasts) throw new HttpError(503, 'broadcasts_unavailable', 'this server cannot start broadcasts (no Temporal client)');
    return deps.broadcasts;
  };

  /** The declaration in the active rules, and the version that holds it. */
  const declaredNow = async (name: string) => {
    const rules = await deps.stores.rules.active();
    const declaration = rules?.ir.broadcasts?.find((broadcast) => broadcast.name === name);
    return { rules, declaration };
  };

  /** 404 for a name neither declared nor ever started. */
  const known = async (name: string) => {
    const [{ rules, declaration }, doc] = await Promise.all([declaredNow(name), deps.stores.broadcasts.get(name)]);
    if (!declaration && !doc) throw new HttpError(404, 'broadcast_unknown', `no broadcast '${name}' in the active rules`);
    return { rules, declaration, doc };
  };

  router.get('/v1/broadcasts', async (_req, res) => {
    const [rules, docs] = await Promise.all([deps.stores.rules.active(), deps.stores.broadcasts.list()]);
    const declared = new Map((rules?.ir.broadcasts ?? []).map((broadcast) => [broadcast.name, broadcast]));
    const started = new Map(docs.map((doc) => [doc._id, doc]));
    const names = [...new Set([...declared.keys(), ...started.keys()])].sort();
    res.json({ broadcasts: names.map((name) => present(name, declared.get(name), started.get(name) ?? null)) });
  });

  router.get('/v1/broadcasts/:name', async (req, res) => {
    const { declaration, doc } = await known(req.params.name);
    res.json(present(req.params.name, declaration, doc));
  });

  router.post('/v1/broadcasts/:name/start', async (req, res: Response) => {
    const name = req.params.name;
    const parsed = startBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const { rules, declaration, doc } = await known(name);
    if (doc) {
      if (doc.state === 'completed' || doc.state === 'cancelled') {
        throw conflict('broadcast_finished', `broadcast '${name}' was ${doc.state}; a broadcast runs once: declare a new one`, doc.state);
      }
      // Recorded as started: if its run is missing (the server stopped between the two), this starts it.
      if (!(await runs().start(name))) throw conflict('broadcast_running', `broadcast '${name}' is already ${doc.state}`, doc.state);
      res.status(202).json(present(name, declaration, doc));
      return;
    }
    if (!declaration || !rules) throw notFound(`no broadcast '${name}' in the active rules`);
    // A missing template would fail every send: refused before anyone is counted.
    if (!(await deps.stores.templates.get(declaration.template))) {
      throw new HttpError(
        422,
        'template_missing',
        `broadcast '${name}' sends the template '${declaration.template}', which does not exist`,
      );
    }
    const at = deps.now();
    const ratePerSecond = parsed.data.ratePerSecond ?? declaration.ratePerSecond;
    const created = await deps.stores.broadcasts.create({
      _id: name,
      state: 'running',
      rulesVersion: rules._id,
      segment: declaration.segment,
      template: declaration.template,
      ...(ratePerSecond ? { ratePerSecond } : {}),
      ...(declaration.quietHours ? { quietHours: declaration.quietHours } : {}),
      timeZone: parsed.data.timeZone ?? deps.defaultTimeZone ?? 'UTC',
      ...(parsed.data.batchSize ? { batchSize: parsed.data.batchSize } : {}),
      startedAt: at,
      startedBy: actorLabel(actorOf(res)),
      updatedAt: at,
    });
    if (!created) throw conflict('broadcast_running', `broadcast '${name}' was started meanwhile`);
    await deps.stores.audit.record({
      at,
      kind: 'broadcast.started',
      actor: actorLabel(actorOf(res)),
      subject: { broadcast: name, rulesVersion: rules._id },
      detail: { segment: declaration.segment, template: declaration.template, ...(ratePerSecond ? { ratePerSecond } : {}) },
    });
    await runs().start(name);
    res.status(202).json(present(name, declaration, await deps.stores.broadcasts.get(name)));
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    router.post(`/v1/broadcasts/:name/${action}`, async (req, res) => {
      const name = req.params.name;
      const { declaration, doc } = await known(name);
      if (!doc) throw conflict('broadcast_not_started', `broadcast '${name}' has not been started`);
      const { from, to } = MOVES[action];
      const moved = await deps.stores.broadcasts.transition(name, from, to, deps.now());
      if (!moved) {
        const now = (await deps.stores.broadcasts.get(name))?.state ?? doc.state;
        throw conflict(`broadcast_${now}`, `broadcast '${name}' is ${now}: it cannot ${action}`, now);
      }
      await deps.stores.audit.record({
        at: deps.now(),
        kind: AUDITED[action],
        actor: actorLabel(actorOf(res)),
        subject: { broadcast: name },
      });
      await runs().signal(name, action);
      deps.logger.info(
        { broadcast: name, by: actorLabel(actorOf(res)), state: to },
        `broadcast ${action === 'cancel' ? 'cancelled' : `${action}d`}`,
      );
      res.json(present(name, declaration, moved));
    });
  }
  return router;
}
