/** The contract of GET /v1/consent-stats (src/server/routes/consent-stats.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { CONSENT_DAY_STATES, consentStatsQuery } from '../../routes/consent-stats.js';
import { error, json, signedIn, signedInErrors } from '../common.js';

const consentDay = z
  .object({
    day: z.string().meta({ example: '2026-12-06' }),
    ...Object.fromEntries(CONSENT_DAY_STATES.map((state) => [state, z.number().int().min(0)])),
  })
  .meta({
    id: 'ConsentDay',
    description: 'Ledger records written for the purpose that day (UTC, by when the person gave them), per state',
  });

const consentStats = z
  .object({
    from: z.string(),
    to: z.string(),
    purposes: z.array(
      z.object({
        purpose: z.string(),
        title: z.string().optional(),
        days: z.array(consentDay).meta({ description: 'Every day of the window, in order; days without records count 0' }),
      }),
    ),
  })
  .meta({ id: 'ConsentStats' });

export const consentStatsPaths: ZodOpenApiPathsObject = {
  '/v1/consent-stats': {
    get: {
      operationId: 'getConsentStats',
      tags: ['Consent'],
      summary: 'Consent records per purpose and day',
      description:
        'For each purpose the active rules declare, the ledger records written each day: counters kept as records are appended, read by id (no scan of the ledger). An erasure removes records but not these counts. Roles: admin, privacy.',
      security: signedIn,
      requestParams: { query: consentStatsQuery },
      responses: {
        '200': json('Per purpose, every day of the window', consentStats),
        '400': error('A malformed day, `from` after `to`, or more than 366 days'),
        ...signedInErrors,
      },
    },
  },
};
