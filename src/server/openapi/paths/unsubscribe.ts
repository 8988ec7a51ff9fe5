/**
 * One-click unsubscribe (src/server/routes/unsubscribe.ts, RFC 8058) from a signed link in a
 * marketing e-mail: the POST (the mail client's one click, or the page's button) revokes the
 * purposes the message's journey required; the GET only shows the page.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, open } from '../common.js';
import { FORM, formRefused, html, token } from '../personal-areas.js';

const link = z.object({ token });
const tags = ['consents'];
const invalid = html('The link was altered or cut short');

export const unsubscribePaths: ZodOpenApiPathsObject = {
  '/v1/unsubscribe/{token}': {
    get: {
      tags,
      summary: 'The unsubscribe page, with its button',
      security: open,
      requestParams: { path: link },
      responses: { '200': html('The page'), '400': invalid },
    },
    post: {
      tags,
      summary: "Unsubscribe: the one click of RFC 8058 (List-Unsubscribe-Post) or the page's button",
      description: 'Revokes the purposes the message required, with the message as proof; repeated, it records nothing twice.',
      security: open,
      requestParams: { path: link },
      requestBody: {
        required: false,
        content: {
          [FORM]: {
            schema: z
              .object({ 'List-Unsubscribe': z.literal('One-Click').optional() })
              .meta({ description: 'What a mail client sends (RFC 8058); not required', example: { 'List-Unsubscribe': 'One-Click' } }),
          },
        },
      },
      responses: {
        '200': html('Unsubscribed (the same answer when nothing was left to revoke)'),
        '400': formRefused('The link was altered or cut short (the page), or a body over 4 KB (JSON error)'),
        '415': error('The form is in a charset the server does not read'),
      },
    },
  },
};
