/** Rule programs: deploy, read, versions, diff, summary, rollback (src/server/routes/rules.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { diffQuery, MAX_NOTE_CHARS, NOTE_HEADER, rollbackBody, versionPath, versionsQuery } from '../../routes/rules.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { dateTime, diagnostic, diagnosticsBody, diffHunk, named } from './shared.js';

const changesOf = <T extends z.ZodObject>(item: T) => z.object({ added: z.array(item), changed: z.array(item), removed: z.array(item) });
const namedChanges = changesOf(named).meta({ id: 'NamedChanges', description: 'Declarations added, changed and removed' });

const warning = z
  .object({
    code: z.string().meta({ description: '`template_missing`, `destination_missing`, a data warning, or a compiler warning (`ITN…`)' }),
    message: z.string(),
    journey: z.string().optional(),
    step: z.string().optional(),
    steps: z.array(z.string()).optional(),
    journeys: z.array(z.string()).optional(),
    sends: z.number().int().optional(),
    suggestion: z.string().optional().meta({ description: 'The nearest existing name, for a missing template' }),
    consent: z.string().optional(),
    broadcast: z.string().optional(),
    template: z.string().optional(),
    destination: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'DeployWarning', description: 'Something a deploy should hear of: a missing target, a name the data has never shown' });

const header = {
  version: z.number().int(),
  deployedAt: dateTime,
  deployedBy: z.string().meta({ description: "The audit log's actor label (`admin` for the admin key)" }),
  note: z.string().nullable().meta({ description: 'Why, as the deployer said' }),
  active: z.boolean(),
  rolledBackFrom: z.number().int().optional().meta({ description: 'The version whose program this one deployed again' }),
};
const versionHeader = z.object(header).meta({ id: 'RulesVersion' });
const versionWithSource = z.object({ ...header, source: z.string() }).meta({
  id: 'RulesVersionSource',
  example: {
    version: 7,
    deployedAt: '2026-03-01T12:00:00.000Z',
    deployedBy: 'user:ada',
    note: 'welcome flow',
    active: true,
    source: 'segment pro = trait plan == "pro"\n',
  },
});

const deployed = z
  .object({
    version: z.number().int(),
    diagnostics: z.array(diagnostic).meta({ description: "The compiler's warnings (a program with errors is not stored)" }),
    warnings: z.array(warning),
    segments: z.object({
      recompute: z
        .enum(['started', 'pending'])
        .meta({ description: 'The recompute of new and changed segments: started, or left to the sweeper' }),
    }),
    rolledBackFrom: z.number().int().optional(),
  })
  .meta({ id: 'Deployed', example: { version: 8, diagnostics: [], warnings: [], segments: { recompute: 'started' } } });

const summary = z
  .object({
    ok: z.boolean().meta({ description: 'False when the draft has errors: only the diff is summarised' }),
    diagnostics: z.array(diagnostic),
    activeVersion: z.number().int().nullable(),
    patch: z.string(),
    hunks: z.array(diffHunk),
    segments: z.object({
      added: z.array(named.extend({ previewSize: z.number().int().nullable() })),
      changed: z.array(named.extend({ previewSize: z.number().int().nullable(), currentSize: z.number().int() })),
      removed: z.array(named.extend({ currentSize: z.number().int() })),
    }),
    journeys: z.object({
      added: z.array(named),
      changed: z.array(named.extend({ runningOnOldVersions: z.number().int() })),
      removed: z.array(named.extend({ runningOnOldVersions: z.number().int() })),
    }),
    consents: namedChanges,
    warnings: z.array(warning),
  })
  .meta({ id: 'DeploySummary', description: 'What deploying the draft would change; nothing is stored' });

const program = (description: string) => ({
  required: true,
  content: { 'text/plain': { schema: z.string().meta({ description }), example: 'segment pro = trait plan == "pro"\n' } },
});

const notPlainText = error('Not `text/plain` (`unsupported_media_type`)');

export const rulesPaths: ZodOpenApiPathsObject = {
  '/v1/rules': {
    put: {
      tags: ['rules'],
      summary: 'Deploy a rule program: compiled, stored as a new version when free of errors',
      security: signedIn,
      requestParams: {
        header: z.object({
          [NOTE_HEADER]: z
            .string()
            .optional()
            .meta({
              description: `Why, URL-encoded (encodeURIComponent), at most ${MAX_NOTE_CHARS} characters decoded`,
              example: 'welcome%20flow',
            }),
        }),
      },
      requestBody: program('The program (docs/language.md)'),
      responses: {
        '200': json('Deployed', deployed),
        '400': error('The note is not URL-encoded or too long (`invalid_note`), or the body is too large'),
        ...signedInErrors,
        '415': notPlainText,
        '422': json('The program has errors: nothing was stored', diagnosticsBody),
      },
    },
    get: {
      tags: ['rules'],
      summary: 'The active rules version and its program',
      security: signedIn,
      responses: { '200': json('The active version', versionWithSource), ...signedInErrors, '404': error('No rules deployed yet') },
    },
  },
  '/v1/rules/versions': {
    get: {
      tags: ['rules'],
      summary: 'The versions, newest first, with who deployed them, when and why',
      security: signedIn,
      requestParams: { query: versionsQuery },
      responses: {
        '200': json(
          'A page of versions',
          z.object({
            versions: z.array(versionHeader),
            next: z.number().int().nullable().meta({ description: 'Pass as `before` for the next page; null on the last' }),
          }),
        ),
        '400': error('A query parameter is not valid (`invalid_query`)'),
        ...signedInErrors,
      },
    },
  },
  '/v1/rules/versions/{version}': {
    get: {
      tags: ['rules'],
      summary: 'A version and its program',
      security: signedIn,
      requestParams: { path: versionPath },
      responses: { '200': json('The version', versionWithSource), ...signedInErrors, '404': error('No such version') },
    },
  },
  '/v1/rules/diff': {
    get: {
      tags: ['rules'],
      summary: 'Compare two versions: the text diff and the declarations that changed',
      security: signedIn,
      requestParams: { query: diffQuery },
      responses: {
        '200': json(
          'The comparison',
          z.object({
            from: z.number().int(),
            to: z.number().int(),
            patch: z.string().meta({ description: 'A unified diff' }),
            hunks: z.array(diffHunk),
            changes: z.object({ segments: namedChanges, journeys: namedChanges, consents: namedChanges }),
          }),
        ),
        '400': error('`from` or `to` missing or not a positive integer (`invalid_query`)'),
        ...signedInErrors,
        '404': error('No such version'),
      },
    },
  },
  '/v1/rules/summary': {
    post: {
      tags: ['rules'],
      summary: 'What deploying a draft would change (diff, declarations with sizes, warnings); nothing is stored',
      security: signedIn,
      requestBody: program('The draft program'),
      responses: { '200': json('The summary', summary), '400': error('The body is too large'), ...signedInErrors, '415': notPlainText },
    },
  },
  '/v1/rules/rollback': {
    post: {
      tags: ['rules'],
      summary: "Deploy an earlier version's program again, as a new version",
      security: signedIn,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: rollbackBody, example: { version: 6, note: 'the new welcome flow sends twice' } } },
      },
      responses: {
        '200': json('Deployed', deployed),
        '400': error('The body does not fit the schema (per field in `details`), or is not JSON'),
        ...signedInErrors,
        '404': error('No such version'),
        '409': error("That version's program is the active one (`already_active`)"),
        '415': error('Not `application/json` (`unsupported_media_type`)'),
        '422': json('The program no longer compiles', diagnosticsBody),
      },
    },
  },
};
