/** E-mail templates (src/server/routes/templates.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { previewBody, templateBody } from '../../routes/templates.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { dateTime, nameParam } from './shared.js';

const params = { path: nameParam('The template name, as `send email "<name>"` gives it: 1 to 100 characters, no slash') };
const badName = error('Not a valid template name (`invalid_name`)');

const template = z
  .object({
    name: z.string(),
    subject: z.string(),
    html: z.string(),
    text: z.string().optional(),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({
    id: 'Template',
    example: {
      name: 'welcome',
      subject: 'Welcome, {{ traits.first_name }}',
      html: '<p>Hello {{ traits.first_name }}</p>',
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:00.000Z',
    },
  });

const stored = z.object({ name: z.string(), created: z.boolean() }).meta({ example: { name: 'welcome', created: true } });

export const templatesPaths: ZodOpenApiPathsObject = {
  '/v1/templates': {
    get: {
      tags: ['templates'],
      summary: 'List the templates, with the journeys, consents and broadcasts that send each',
      security: signedIn,
      responses: {
        '200': json(
          'The templates',
          z.object({
            templates: z.array(z.object({ name: z.string(), subject: z.string(), updatedAt: dateTime, usedBy: z.array(z.string()) })),
            missing: z.array(z.string()).meta({ description: 'Named by the active rules but not stored: their sends fail' }),
          }),
        ),
        ...signedInErrors,
      },
    },
  },
  '/v1/templates/{name}': {
    put: {
      tags: ['templates'],
      summary: 'Store a template (Liquid): created, or replaced',
      security: signedIn,
      requestParams: params,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: templateBody,
            example: { subject: 'Welcome, {{ traits.first_name }}', html: '<p>Hello {{ traits.first_name }}</p>' },
          },
        },
      },
      responses: {
        '200': json('Replaced', stored),
        '201': json('Created', stored),
        '400': error('Not valid: the name (`invalid_name`), or the body (per field in `details`)'),
        ...signedInErrors,
        '422': error('The template does not parse (`template_invalid`, each problem in `details`)'),
      },
    },
    get: {
      tags: ['templates'],
      summary: 'A template',
      security: signedIn,
      requestParams: params,
      responses: { '200': json('The template', template), '400': badName, ...signedInErrors, '404': error('No template with that name') },
    },
    delete: {
      tags: ['templates'],
      summary: 'Delete a template',
      security: signedIn,
      requestParams: params,
      responses: { '204': { description: 'Deleted' }, '400': badName, ...signedInErrors, '404': error('No template with that name') },
    },
  },
  '/v1/templates/{name}/preview': {
    post: {
      tags: ['templates'],
      summary: 'Render a template for a profile, without sending it',
      security: signedIn,
      requestParams: params,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: previewBody, example: { profileId: 'p_0f3a', with: { chapter: 1 } } } },
      },
      responses: {
        '200': json(
          'The rendered message',
          z
            .object({
              profileId: z.string(),
              to: z.string().nullable().meta({ description: 'The address it would go to; null when the profile has none' }),
              subject: z.string(),
              html: z.string(),
              text: z.string().optional(),
            })
            .meta({ id: 'RenderedTemplate' }),
        ),
        '400': error('Not valid: the name or the body'),
        ...signedInErrors,
        '404': error('No template, or no profile, with that name or id'),
      },
    },
  },
};
