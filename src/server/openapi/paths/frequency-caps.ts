/** Frequency caps (src/server/routes/frequency-caps.ts): at most N marketing messages of a channel per person and day. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { capBody, capChannel } from '../../routes/frequency-caps.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors } from '../personal-areas.js';

const channel = z.object({ channel: capChannel.meta({ description: 'Refused with `unknown_channel` when not one of these' }) });
const tags = ['messages'];
const badChannel = error('Not a channel (`unknown_channel`)');

export const frequencyCapsPaths: ZodOpenApiPathsObject = {
  '/v1/frequency-caps': {
    get: {
      tags,
      summary: 'The frequency caps',
      security: signedIn,
      responses: {
        '200': json(
          'One per capped channel',
          z.object({ caps: z.array(z.object({ channel: capChannel, max: z.number().int(), per: z.literal('day'), updatedAt: instant })) }),
        ),
        ...signedInErrors,
      },
    },
  },
  '/v1/frequency-caps/{channel}': {
    put: {
      tags,
      summary: "Cap a channel's marketing messages per person and calendar day (in their time zone)",
      description: "A send beyond the cap waits for the person's next day, across every journey.",
      security: signedIn,
      requestParams: { path: channel },
      requestBody: { content: { 'application/json': { schema: capBody.meta({ example: { max: 2, per: 'day' } }) } } },
      responses: {
        '200': json(
          'The cap in force',
          z
            .object({ channel: capChannel, max: z.number().int(), per: z.literal('day') })
            .meta({ example: { channel: 'email', max: 2, per: 'day' } }),
        ),
        '400': error('Not a channel (`unknown_channel`) or a bad body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
    delete: {
      tags,
      summary: "Lift a channel's cap",
      security: signedIn,
      requestParams: { path: channel },
      responses: { '204': { description: 'Lifted' }, '400': badChannel, ...signedInErrors, '404': error('That channel has no cap') },
    },
  },
};
