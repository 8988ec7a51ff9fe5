/**
 * Run-time settings (src/server/routes/settings.ts): the privacy page's branding and
 * labels, and a preview of the page with them over made-up data.
 */
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { portalSettingsBody } from '../../portal/branding.js';
import { previewQuery } from '../../routes/settings.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { html, instant, jsonBodyErrors } from '../personal-areas.js';

const example = {
  shopName: 'Księgarnia Pod Sową',
  logoUrl: 'https://shop.example/logo.png',
  colours: { accent: '#7a3e00', background: '#fffdf8', text: '#222222' },
  dpoContact: { email: 'iod@shop.example', postal: 'ul. Długa 1, 31-000 Kraków' },
  labels: {
    traits: { loyalty_tier: { en: 'Loyalty tier', pl: 'Poziom w programie lojalnościowym' } },
    events: { 'Chapter Read': { en: 'You read a chapter', pl: 'Przeczytano rozdział' } },
    templates: { ebook_chapter: { en: 'Your next chapter', pl: 'Twój kolejny rozdział' } },
  },
};

const settings = portalSettingsBody
  .extend({ updatedAt: instant.optional().meta({ description: 'When they last changed; absent while never set' }) })
  .meta({ id: 'PortalSettings', example: { ...example, updatedAt: '2026-05-04T09:30:00.000Z' } });

const tags = ['settings'];

export const settingsPaths: ZodOpenApiPathsObject = {
  '/v1/settings/portal': {
    get: {
      tags,
      summary: "The privacy page's branding and labels (empty while never set: the defaults apply)",
      security: signedIn,
      responses: { '200': json('The settings', settings), ...signedInErrors },
    },
    put: {
      tags,
      summary: "Replace the privacy page's branding and labels (audited as `settings.changed`)",
      description:
        'The whole settings, as the console sends them: what is left out goes back to its default. Colours are `#rrggbb`; text and accent must each reach a contrast of 4.5:1 on the background.',
      security: signedIn,
      requestBody: { content: { 'application/json': { schema: portalSettingsBody.meta({ example }) } } },
      responses: {
        '200': json('The settings now in force', settings),
        '400': error(
          'A malformed body (`invalid_body`, `malformed_json`): a colour not #rrggbb, a logo not https, too many or too long labels',
        ),
        ...signedInErrors,
        '422': error('Colours that cannot be read on each other (`unreadable_colours`); `details` names each pair by its path'),
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/settings/portal/preview': {
    get: {
      tags,
      summary: 'The privacy page as a person sees it, with these settings, over made-up data (no person is read)',
      security: signedIn,
      requestParams: { query: previewQuery },
      responses: {
        '200': html('The page, its buttons disabled'),
        '400': error('A language not offered (`invalid_query`)'),
        ...signedInErrors,
      },
    },
  },
};
