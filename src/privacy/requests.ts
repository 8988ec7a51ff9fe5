/**
 * Opening a privacy request (an erasure or an export), as an admin does over the API and a
 * person does on their privacy page: the request is stored and audited first, then its
 * workflow started; if Temporal is down it stays pending and the sweeper starts it later.
 * The request names the opaque profile id only, never the identifier it was asked by.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { IdentityKind } from '../model.js';
import type { PrivacyRequestDoc } from '../store/privacy-requests.js';
import type { Stores } from '../store/index.js';

export interface PrivacyRequestDeps {
  stores: Pick<Stores, 'privacyRequests' | 'audit'>;
  now: () => Date;
  logger: Logger;
  startErasure: (requestId: string) => Promise<void>;
  startExport: (requestId: string) => Promise<void>;
}

export interface NewPrivacyRequest {
  kind: 'erasure' | 'export';
  /** The person, when the identifier matched anyone. */
  profileId?: string;
  /** How the person was named: an identifier kind, or `portal` (their own signed link). */
  by: IdentityKind | 'portal';
  actor: string;
  reason?: string;
}

const PREFIX = { erasure: 'er', export: 'ex' } as const;

export async function openPrivacyRequest(deps: PrivacyRequestDeps, request: NewPrivacyRequest): Promise<PrivacyRequestDoc> {
  const now = deps.now();
  const doc: PrivacyRequestDoc = {
    _id: `${PREFIX[request.kind]}_${randomUUID()}`,
    kind: request.kind,
    ...(request.profileId ? { profileId: request.profileId } : {}),
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    ...(request.actor === 'portal' ? { origin: 'portal' as const } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
  };
  await deps.stores.privacyRequests.create(doc);
  await deps.stores.audit.record({
    at: now,
    kind: `${request.kind}.requested`,
    actor: request.actor,
    subject: { requestId: doc._id },
    detail: { by: request.by, matched: request.profileId !== undefined },
    ...(request.reason ? { reason: request.reason } : {}),
  });
  const start = request.kind === 'erasure' ? deps.startErasure : deps.startExport;
  await start(doc._id).catch((error: unknown) => deps.logger.warn({ err: error, requestId: doc._id }, `${request.kind} start deferred`));
  return doc;
}
