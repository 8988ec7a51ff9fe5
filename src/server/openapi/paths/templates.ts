/** E-mail templates (src/server/routes/templates.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { previewBody, renderBody, templateBody, testSendBody } from '../../routes/templates.js';
import { error, errorBody, json, signedIn, signedInErrors } from '../common.js';
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

const problem = z
  .object({
    part: z.enum(['subject', 'html', 'text']),
    message: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'TemplateProblem', description: 'A mistake in one part of a template, with its line and column when known' });

const invalid = json(
  'The template does not parse or does not render (`template_invalid`, each problem in `details`)',
  errorBody.extend({ error: errorBody.shape.error.extend({ details: z.array(problem) }) }),
);

const rendered = z.object({ subject: z.string(), html: z.string(), text: z.string().optional() }).meta({ id: 'RenderedDraft' });

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
        '422': invalid,
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
        '422': invalid,
      },
    },
  },
  '/v1/templates/render': {
    post: {
      tags: ['templates'],
      summary: "Render a draft without storing it (the console's live preview): for sample data, or for a person (audited)",
      description:
        "With `profileId` the person's traits are read: recorded in the audit log as `profile.viewed` (`detail.via`), once per user, person and 10-minute window.",
      security: signedIn,
      requestBody: { required: true, content: { 'application/json': { schema: renderBody } } },
      responses: {
        '200': json('The rendered draft', rendered),
        '400': error('Not valid: the body (per field in `details`)'),
        ...signedInErrors,
        '404': error('No profile with that id'),
        '422': invalid,
      },
    },
  },
  '/v1/templates/test-send': {
    post: {
      tags: ['templates'],
      summary: 'Send a draft or a stored template to one address, as a test: subject prefixed "[Test] ", no delivery recorded',
      description:
        "Goes through the SMTP transport real sends use, answers once the SMTP server accepted the message. Not recorded as a message to anyone, not counted by frequency caps; audited as `template.test_sent` (the recipient's domain, not the address). At most 10 a minute per user.",
      security: signedIn,
      requestBody: { required: true, content: { 'application/json': { schema: testSendBody } } },
      responses: {
        '200': json(
          'The SMTP server accepted it',
          z.object({
            sent: z.literal(true),
            to: z.string(),
            subject: z.string(),
            smtp: z.number().int().meta({ description: 'The SMTP answer code' }),
          }),
        ),
        '400': error('Not valid: the address (`invalid_address`), the name, or the body (per field in `details`)'),
        ...signedInErrors,
        '404': error('No template, or no profile, with that name or id'),
        '409': error('The person is restricted (`profile_restricted`): their data is not used to send'),
        '422': invalid,
        '429': {
          description: 'Too many test sends by this user this minute (`too_many_test_sends`)',
          headers: z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait' }) }),
          content: { 'application/json': { schema: errorBody } },
        },
        '502': error('The SMTP server refused the message (`smtp_refused`) or did not take it (`smtp_unavailable`)'),
        '503': {
          ...error(
            'No SMTP server is configured (`smtp_not_configured`); or the database is unreachable (`database_unavailable`) or out of space (`storage_full`), with Retry-After',
          ),
          headers: z.object({ 'Retry-After': z.string().optional().meta({ description: 'Seconds, when the database is away' }) }),
        },
      },
    },
  },
};
