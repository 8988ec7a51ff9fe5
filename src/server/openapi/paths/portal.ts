/**
 * The person's privacy page (src/server/routes/portal.ts): asking for a link by e-mail, the
 * page a signed link opens, and its forms (a consent, a copy of the data, "forget me"), each
 * answered with a redirect to the page showing the result. Plus the admin's route that
 * issues a link for the shop to hand over.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { LANGUAGES } from '../../portal/text.js';
import { consentForm, eraseForm, exportForm, linkRequestForm, portalLinkBody } from '../../routes/portal.js';
import { error, errorBody, json, open, signedIn, signedInErrors } from '../common.js';
import { FORM, formRefused, html, instant, jsonBodyErrors, seeOther, token } from '../personal-areas.js';
import { signedReceipt } from './privacy.js';

const lang = z.object({
  lang: z.enum(LANGUAGES).optional().meta({ description: "The page's language; else the link's, else the browser's (Accept-Language)" }),
});
const link = z.object({ token });
const tags = ['privacy page'];
const formErrors = { '415': error('The form is in a charset the server does not read') } as const;

/** What every page behind a link may answer instead (src/server/routes/portal.ts, personOf). */
const linkPages = {
  '400': html('Not a link this server issued'),
  '410': html('The link has expired, or nothing is held about the person any more'),
} as const;
const linkForms = {
  '400': formRefused('Not a link this server issued, a form the page did not send, or a body over 4 KB (JSON error)'),
  '410': html('The link has expired, or nothing is held about the person any more'),
  ...formErrors,
} as const;

const formBody = (schema: z.ZodType) => ({ content: { [FORM]: { schema } } });

export const portalPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/portal-links': {
    post: {
      tags,
      summary: "A link to a person's privacy page, for the shop to hand to them",
      security: signedIn,
      requestBody: {
        content: {
          'application/json': { schema: portalLinkBody.meta({ example: { email: 'ada@example.com', lang: 'en', expiresInHours: 24 } }) },
        },
      },
      responses: {
        '201': json(
          'The signed link (audited)',
          z
            .object({ url: z.url(), expiresAt: instant })
            .meta({ example: { url: 'https://cdp.example/v1/portal/eyJwIjoicHJfMSJ9.c2ln', expiresAt: '2026-05-05T09:30:00.000Z' } }),
        ),
        '400': error('Not exactly one identifier, or a malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        '404': error('No person with that identifier'),
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/portal': {
    get: {
      tags,
      summary: 'The page where a person asks for a link to their privacy page',
      security: open,
      requestParams: { query: lang },
      responses: { '200': html('The request form') },
    },
    post: {
      tags,
      summary: 'Mail a link to the privacy page to this address, if anything is held about it',
      description:
        'Answers the same whether the address is known or not. Attempts are limited per address and per client, across every server process.',
      security: open,
      requestParams: { query: lang },
      requestBody: formBody(linkRequestForm.meta({ example: { email: 'ada@example.com' } })),
      responses: {
        '200': html('Sent, if the address is known'),
        '400': formRefused('Not an e-mail address (the page again), or a body over 4 KB (JSON error)'),
        '429': {
          description: 'Too many attempts: the page for a browser, the JSON error for a client that asks for JSON (`too_many_attempts`)',
          headers: z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait' }) }),
          content: {
            'text/html': { schema: z.string().meta({ description: 'An HTML page' }) },
            'application/json': { schema: errorBody },
          },
        },
        ...formErrors,
      },
    },
  },
  '/v1/portal/erasures/{token}': {
    get: {
      tags,
      summary: 'An erasure the person asked for: its progress, then its signed receipt',
      description: 'Its own link, which outlives the person. Refreshes itself while the erasure runs.',
      security: open,
      requestParams: { path: link, query: lang },
      responses: { '200': html('Running, failed, or done with the receipt'), '400': html('Not an erasure link this server issued') },
    },
  },
  '/v1/portal/erasures/{token}/receipt': {
    get: {
      tags,
      summary: "The erasure's signed receipt, to download",
      security: open,
      requestParams: { path: link },
      responses: {
        '200': {
          description: 'The receipt (an attachment)',
          headers: z.object({ 'Content-Disposition': z.string() }),
          content: { 'application/json': { schema: signedReceipt } },
        },
        '400': error('Not an erasure link this server issued (`invalid_link`)'),
        '404': error('The erasure has not completed yet'),
      },
    },
  },
  '/v1/portal/{token}': {
    get: {
      tags,
      summary: "The person's privacy page: what is held, their consents and choices, recent activity and messages",
      security: open,
      requestParams: { path: link, query: lang },
      responses: { '200': html('The page'), ...linkPages },
    },
  },
  '/v1/portal/{token}/consents': {
    post: {
      tags,
      summary: 'Grant or revoke a consent (ledger origin `portal`)',
      description: "A grant of a purpose with double opt-in waits, pending, for the e-mail's confirmation.",
      security: open,
      requestParams: { path: link },
      requestBody: formBody(consentForm.meta({ example: { purpose: 'newsletter', state: 'revoked' } })),
      responses: { '303': seeOther('Recorded: back to the page, at the choices'), ...linkForms },
    },
  },
  '/v1/portal/{token}/export': {
    post: {
      tags,
      summary: 'Ask for a copy of the data',
      security: open,
      requestParams: { path: link },
      requestBody: formBody(exportForm),
      responses: { '303': seeOther("To the export's page"), ...linkForms },
    },
  },
  '/v1/portal/{token}/exports/{id}': {
    get: {
      tags,
      summary: 'An export the person asked for: preparing, then its one-time download link',
      security: open,
      requestParams: { path: z.object({ token, id: z.string().meta({ description: "The export's id" }) }), query: lang },
      responses: {
        '200': html('Preparing (refreshes itself), or ready with the link'),
        '400': html('Not a link this server issued'),
        '404': html("No such export of this link's person"),
        '410': html('The link has expired, or the export was downloaded or has expired'),
      },
    },
  },
  '/v1/portal/{token}/erase': {
    get: {
      tags,
      summary: '"Forget me": the page that asks to confirm',
      security: open,
      requestParams: { path: link, query: lang },
      responses: { '200': html('The confirmation form'), ...linkPages },
    },
    post: {
      tags,
      summary: '"Forget me": erase the person',
      description: 'Asked twice, the erasure under way answers both.',
      security: open,
      requestParams: { path: link },
      requestBody: formBody(eraseForm.meta({ example: { confirm: 'yes' } })),
      responses: {
        '303': seeOther("To the erasure's own page (/v1/portal/erasures/{token})"),
        ...linkForms,
        '400': formRefused('Not confirmed (the form again, saying so), not a link this server issued, or a body over 4 KB (JSON error)'),
      },
    },
  },
};
