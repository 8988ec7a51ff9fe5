/** A person's messages (src/server/routes/messages.ts): every e-mail and webhook their journeys sent or meant to, with its history. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, signedIn, signedInErrors } from '../common.js';
import { instant, profileRead } from '../personal-areas.js';
import { profileId } from './profiles.js';

const status = z.enum(['queued', 'deferred', 'sending', 'sent', 'failed', 'skipped', 'not-configured']);

const message = z
  .looseObject({
    key: z.string().meta({ description: "Unique per run and step; the message's Message-ID and Idempotency-Key derive from it" }),
    channel: z.enum(['email', 'webhook']),
    name: z.string().meta({ description: 'The e-mail template or webhook destination' }),
    status,
    queuedAt: instant,
    journey: z.string().optional(),
    rulesVersion: z.number().int().optional(),
    step: z.string().optional(),
    broadcast: z.string().optional(),
    purpose: z.string().optional(),
    confirms: z.string().optional(),
    attempts: z.number().int().optional(),
    history: z
      .array(
        z.looseObject({
          status,
          at: instant,
          detail: z.string().optional(),
          until: instant.optional(),
          attempt: z.number().int().optional(),
        }),
      )
      .optional(),
    sentAt: instant.optional(),
    detail: z.string().optional().meta({ description: 'The last outcome, as a code: `consent`, `quiet hours`, `smtp 550`…' }),
    answer: z.object({ status: z.number().int(), body: z.string() }).optional(),
    updatedAt: instant.optional(),
  })
  .meta({
    id: 'PersonMessage',
    example: {
      key: 'wf_1:run_1:s3',
      channel: 'email',
      name: 'welcome',
      with: {},
      status: 'sent',
      queuedAt: '2026-05-04T09:30:00.000Z',
      journey: 'onboarding',
      rulesVersion: 3,
      step: 's3',
      sentAt: '2026-05-04T09:30:01.000Z',
    },
  });

export const messagesPaths: ZodOpenApiPathsObject = {
  '/v1/profiles/{id}/messages': {
    get: {
      tags: ['messages'],
      summary: "A person's messages and each one's history",
      security: signedIn,
      requestParams: { path: profileId },
      responses: {
        '200': profileRead(
          'Their messages, and those of profiles merged into them',
          z.object({ profileId: z.string(), messages: z.array(message) }),
        ),
        ...signedInErrors,
        '404': error('No profile with that id'),
      },
    },
  },
};
