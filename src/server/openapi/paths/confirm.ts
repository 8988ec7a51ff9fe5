/**
 * Double opt-in (src/server/routes/confirm.ts): the person confirms a pending consent from
 * the signed link in its e-mail. The GET only shows a button (link scanners open links);
 * the POST records the grant.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, open } from '../common.js';
import { FORM, formRefused, html, token } from '../personal-areas.js';

const link = z.object({ token });
const tags = ['consents'];
const refused = {
  '400': html('The link was altered or cut short'),
  '410': html('The link has expired, or the request was closed (revoked, asked again, granted otherwise, erased)'),
} as const;

export const confirmPaths: ZodOpenApiPathsObject = {
  '/v1/confirm/{token}': {
    get: {
      tags,
      summary: 'The confirmation page: a button, or "confirmed" once it is',
      security: open,
      requestParams: { path: link },
      responses: { '200': html('Open (with the button) or confirmed already'), ...refused },
    },
    post: {
      tags,
      summary: 'Confirm the consent (a second click confirms nothing twice)',
      security: open,
      requestParams: { path: link },
      requestBody: {
        required: false,
        content: { [FORM]: { schema: z.object({}).meta({ description: 'Nothing is read from the form' }) } },
      },
      responses: {
        '200': html('Confirmed'),
        ...refused,
        '400': formRefused('The link was altered or cut short (the page), or a body over 4 KB (JSON error)'),
        '415': error('The form is in a charset the server does not read'),
      },
    },
  },
};
