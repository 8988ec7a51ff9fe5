/**
 * Who is making a request, as the authentication middleware (src/server/auth.ts) found it:
 * a machine holding the admin key, or a named console user signed in with a session.
 * Routes read it to enforce what the role may see and to name the actor in the audit log.
 */
import type { Response } from 'express';
import type { Role } from '../accounts/roles.js';

export type Actor = { kind: 'key'; name: 'admin'; role: 'admin' } | { kind: 'user'; name: string; role: Role; sessionId: string };

export function actorOf(res: Response): Actor {
  const actor = (res.locals as { actor?: Actor }).actor;
  if (!actor) throw new Error('actorOf: the route is not behind authentication');
  return actor;
}

export function setActor(res: Response, actor: Actor): void {
  (res.locals as { actor?: Actor }).actor = actor;
}

/** The audit log's `actor`: `admin` for the admin key (as before), `user:<name>` for a person. */
export function actorLabel(actor: Actor): string {
  return actor.kind === 'key' ? 'admin' : `user:${actor.name}`;
}
