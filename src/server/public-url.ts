/**
 * Where this server is reached, for the links and receipts it hands out in answers: the
 * configured public URL, else the request's host. (Links sent by e-mail never take the
 * host: anyone can set it; they use AppDeps.linkBaseUrl.)
 */
import type { Request } from 'express';

export function publicBaseUrl(deps: { publicUrl?: string }, req: Request): string {
  return deps.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`;
}
