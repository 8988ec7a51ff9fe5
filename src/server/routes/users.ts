/**
 * The console's users, for admins (permissions.ts): `POST /v1/users`, `GET /v1/users`,
 * `PATCH /v1/users/:name`, `DELETE /v1/users/:name/sessions`. Every change is audited under
 * the actor who made it.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AccountError } from '../../accounts/errors.js';
import { ROLES } from '../../accounts/roles.js';
import { addUser, changeUser, listUsers, revokeSessions } from '../../accounts/users.js';
import { actorLabel, actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError } from '../errors.js';

const role = z.enum(ROLES, { message: `the role must be one of ${ROLES.join(', ')}` });
export const NewUser = z.object({ name: z.string().max(256), role, password: z.string().max(4096) }).strict();
export const UserChange = z
  .object({ role: role.optional(), disabled: z.boolean().optional(), password: z.string().max(4096).optional() })
  .strict()
  .refine((change) => Object.keys(change).length > 0, 'send at least one of role, disabled, password');

/** The use cases' refusals as HTTP errors. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AccountError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  }
}

export function userRoutes(deps: AppDeps): Router {
  const router = Router();
  const accounts = { users: deps.stores.users, audit: deps.stores.audit, now: deps.now };

  router.post('/v1/users', async (req, res) => {
    const parsed = NewUser.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const user = await answering(() => addUser(accounts, parsed.data, actorLabel(actorOf(res))));
    res.status(201).json({ name: user.name, role: user.role, createdAt: user.createdAt });
  });

  router.get('/v1/users', async (_req, res) => {
    res.json({ users: await listUsers(accounts) });
  });

  router.patch('/v1/users/:name', async (req, res) => {
    const parsed = UserChange.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const { role: newRole, disabled, password } = parsed.data;
    const change = {
      ...(newRole !== undefined ? { role: newRole } : {}),
      ...(disabled !== undefined ? { disabled } : {}),
      ...(password !== undefined ? { password } : {}),
    };
    res.json(await answering(() => changeUser(accounts, String(req.params.name), change, actorLabel(actorOf(res)))));
  });

  router.delete('/v1/users/:name/sessions', async (req, res) => {
    await answering(() => revokeSessions(accounts, String(req.params.name), actorLabel(actorOf(res))));
    res.status(204).end();
  });

  return router;
}
