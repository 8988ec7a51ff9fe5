/**
 * Data exports (art. 15/20): an admin asks for one (`POST /v1/privacy/exports`), follows it,
 * and hands the person the download link it gives, which works once and for seven days.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Router } from 'express';
import type { PrivacyRequestDoc } from '../../store/privacy-requests.js';
import { openPrivacyRequest } from '../../privacy/requests.js';
import type { AppDeps } from '../deps.js';
import { badRequest, HttpError, notFound } from '../errors.js';
import { parsePrivacyRequest } from '../person-identifier.js';
import { publicBaseUrl } from '../public-url.js';
import { actorLabel, actorOf } from '../actor.js';

export const DOWNLOAD_PATH = '/v1/downloads';

/** The one-time download link's path while the bundle can still be taken: built, not taken, not expired. */
export function downloadPath(doc: PrivacyRequestDoc, deps: Pick<AppDeps, 'links' | 'now'>): string | undefined {
  const bundle = doc.bundle;
  if (!bundle?.found || bundle.downloadedAt || bundle.deletedAt || bundle.expiresAt.getTime() <= deps.now().getTime()) return undefined;
  return `${DOWNLOAD_PATH}/${deps.links.downloadToken({ exportId: doc._id, expiresAt: bundle.expiresAt })}`;
}

function present(doc: PrivacyRequestDoc, baseUrl: string, deps: AppDeps) {
  const bundle = doc.bundle;
  const download = downloadPath(doc, deps);
  return {
    id: doc._id,
    kind: doc.kind,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...(bundle
      ? {
          found: bundle.found,
          ...(bundle.found ? { bytes: bundle.bytes, events: bundle.events, expiresAt: bundle.expiresAt } : {}),
          ...(bundle.downloadedAt ? { downloadedAt: bundle.downloadedAt } : {}),
          ...(bundle.deletedAt ? { deletedAt: bundle.deletedAt } : {}),
        }
      : {}),
    ...(download ? { downloadUrl: `${baseUrl}${download}` } : {}),
  };
}

export function exportRoutes(deps: AppDeps): Router {
  const router = Router();

  router.post('/v1/privacy/exports', async (req, res) => {
    const { kind, value, reason } = parsePrivacyRequest(req.body);
    const profileId = (await deps.stores.identities.lookup({ kind, value })) ?? undefined;
    const doc = await openPrivacyRequest(deps, {
      kind: 'export',
      ...(profileId ? { profileId } : {}),
      by: kind,
      actor: actorLabel(actorOf(res)),
      ...(reason ? { reason } : {}),
    });
    res.status(202).json(present(doc, publicBaseUrl(deps, req), deps));
  });

  router.get('/v1/privacy/exports/:id', async (req, res) => {
    const doc = await deps.stores.privacyRequests.findById(req.params.id);
    if (!doc || doc.kind !== 'export') throw notFound('no export with that id');
    res.json(present(doc, publicBaseUrl(deps, req), deps));
  });

  return router;
}

/** Public: the link is the credential. The first GET takes the bundle; it is deleted once sent. */
export function downloadRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get(`${DOWNLOAD_PATH}/:token`, async (req, res) => {
    const link = deps.links.readDownloadToken(req.params.token);
    if (!link) throw badRequest('invalid_link', 'this is not a download link this server issued');
    const doc = await deps.stores.privacyRequests.findById(link.exportId);
    const bundle = doc?.bundle;
    if (!doc || !bundle?.found) throw notFound('no export behind this link');
    const now = deps.now();
    // A bundle taken already says so, whether or not its deletion after the send has finished.
    if (bundle.downloadedAt) throw new HttpError(410, 'already_downloaded', 'this export was downloaded already; ask for a new one');
    if (bundle.deletedAt || bundle.expiresAt.getTime() <= now.getTime()) {
      // Past its time the bundle goes now, if the expiry's timer has not taken it yet.
      await deps.stores.exportChunks.delete(doc._id, bundle.chunks);
      await deps.stores.privacyRequests.bundleDeleted(doc._id, now);
      throw new HttpError(410, 'expired', 'this export has expired and was deleted');
    }
    if (!(await deps.stores.privacyRequests.claimDownload(doc._id, now)))
      throw new HttpError(410, 'already_downloaded', 'this export was downloaded already; ask for a new one');
    await deps.stores.audit.record({
      at: now,
      kind: 'export.downloaded',
      actor: 'link',
      subject: { requestId: doc._id },
      detail: { bytes: bundle.bytes },
    });
    res.status(200).set({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="itinera-export-${doc._id}.json"`,
      'Content-Length': String(bundle.bytes),
      'Cache-Control': 'no-store',
    });
    try {
      await pipeline(Readable.from(deps.stores.exportChunks.read(doc._id, bundle.chunks)), res);
    } finally {
      // Once sent (or cut short), the bundle goes: the link worked once.
      await deps.stores.exportChunks.delete(doc._id, bundle.chunks);
      await deps.stores.privacyRequests.bundleDeleted(doc._id, deps.now());
    }
  });
  return router;
}
