/**
 * Rights a person exercises through an admin (src/server/routes/profile-rights.ts):
 * rectification of traits (art. 16) and restriction of processing (art. 18). Both audited.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { rectificationBody, restrictionBody, unrestrictQuery } from '../../routes/profile-rights.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors } from '../personal-areas.js';
import { profileId } from './profiles.js';

const tags = ['profiles'];
const noProfile = error('No profile with that id');

export const profileRightsPaths: ZodOpenApiPathsObject = {
  '/v1/profiles/{id}/traits': {
    patch: {
      tags,
      summary: "Correct a person's traits (`null` removes one)",
      security: signedIn,
      requestParams: { path: profileId },
      requestBody: {
        content: {
          'application/json': {
            schema: rectificationBody.meta({ example: { traits: { lastName: 'Lovelace', nickname: null }, reason: 'ticket 4711' } }),
          },
        },
      },
      responses: {
        '200': json(
          'The traits now held',
          z
            .object({ id: z.string(), traits: z.record(z.string(), z.unknown()) })
            .meta({ example: { id: 'pr_5f1c0c1e', traits: { lastName: 'Lovelace' } } }),
        ),
        '400': error('No trait named, a bad trait name, or a malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        '404': noProfile,
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/profiles/{id}/restriction': {
    put: {
      tags,
      summary: "Restrict processing of a person's data: kept, but no journey, message or segment",
      description: 'Set once: a repeated request keeps the first `since`. Journey runs in progress end.',
      security: signedIn,
      requestParams: { path: profileId },
      requestBody: { content: { 'application/json': { schema: restrictionBody.meta({ example: { reason: 'disputed accuracy' } }) } } },
      responses: {
        '200': json(
          'Restricted',
          z.object({
            id: z.string(),
            restricted: z.object({ since: instant, reason: z.string().optional() }),
            endedRuns: z.number().int().meta({ description: 'Journey runs this request ended' }),
          }),
        ),
        '400': error('A malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        '404': noProfile,
        ...jsonBodyErrors,
      },
    },
    delete: {
      tags,
      summary: 'Lift the restriction',
      security: signedIn,
      requestParams: { path: profileId, query: unrestrictQuery.meta({ description: 'Why, for the audit log (cut to 500 characters)' }) },
      responses: { '204': { description: 'Lifted (or was not restricted)' }, ...signedInErrors, '404': noProfile },
    },
  },
};
