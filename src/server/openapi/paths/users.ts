/** The console's users, for admins (src/server/routes/users.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { ROLES } from '../../../accounts/roles.js';
import { NewUser, UserChange } from '../../routes/users.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { dateTime, nameParam } from './shared.js';

const user = z
  .object({
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: dateTime,
    createdBy: z.string().meta({ description: "The audit log's actor label: `admin`, `user:<name>`, `cli`" }),
    lastSignInAt: dateTime.nullable(),
    disabled: z.boolean(),
  })
  .meta({
    id: 'User',
    example: {
      name: 'ada',
      role: 'marketer',
      createdAt: '2026-03-01T12:00:00.000Z',
      createdBy: 'admin',
      lastSignInAt: null,
      disabled: false,
    },
  });

const params = { path: nameParam('The user name') };

export const usersPaths: ZodOpenApiPathsObject = {
  '/v1/users': {
    post: {
      tags: ['users'],
      summary: 'Add a console user',
      security: signedIn,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: NewUser, example: { name: 'ada', role: 'marketer', password: 'a long passphrase' } } },
      },
      responses: {
        '201': json(
          'Added',
          z
            .object({ name: z.string(), role: z.enum(ROLES), createdAt: dateTime })
            .meta({ example: { name: 'ada', role: 'marketer', createdAt: '2026-03-01T12:00:00.000Z' } }),
        ),
        '400': error('Not valid: a field, the name (`invalid_name`) or a weak password (`weak_password`)'),
        ...signedInErrors,
        '409': error('There is a user of that name already (`user_exists`)'),
      },
    },
    get: {
      tags: ['users'],
      summary: 'List the console users',
      security: signedIn,
      responses: { '200': json('The users', z.object({ users: z.array(user) })), ...signedInErrors },
    },
  },
  '/v1/users/{name}': {
    patch: {
      tags: ['users'],
      summary: "Change a user's role, disable or enable them, or set their password",
      security: signedIn,
      requestParams: params,
      requestBody: { required: true, content: { 'application/json': { schema: UserChange, example: { role: 'viewer' } } } },
      responses: {
        '200': json('The user as changed', user),
        '400': error('Not valid, or empty (send at least one of role, disabled, password)'),
        ...signedInErrors,
        '404': error('No user of that name'),
      },
    },
  },
  '/v1/users/{name}/sessions': {
    delete: {
      tags: ['users'],
      summary: 'End every session of a user (they must sign in again)',
      security: signedIn,
      requestParams: params,
      responses: { '204': { description: 'Ended' }, ...signedInErrors, '404': error('No user of that name') },
    },
  },
};
