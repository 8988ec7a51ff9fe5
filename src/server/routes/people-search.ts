/**
 * Finding people, for the console (docs/console.md, "People"): by one identifier exactly,
 * by a trait's value, or by a segment's members, paged. What a role may search by and sees
 * of each person found is decided by the caller's role (people-access.ts).
 *
 * An identifier is one `$in` of identity keys (the `_id` index) and a profile lookup; a
 * segment reads its member buckets; a trait has no index: the database reads profiles
 * until a page matches, within a time budget.
 */
import { Router } from 'express';
import { z } from 'zod';
import { CORE_IDENTITY_KINDS, type ProfileDoc } from '../../model.js';
import { normaliseIdentity } from '../../profile/identifiers.js';
import { InvalidCursorError } from '../../store/segment-members.js';
import { awaitProfiles } from '../consistency.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import { forbidden, seesPersonal } from './people-access.js';

/**
 * A trait path as the rules name it: dot-separated names, none empty or starting with `$`.
 * Names with white space or control characters cannot be searched: a MongoDB-protocol
 * server may refuse them in a filter (FerretDB does, once the collection holds profiles).
 */
const NOT_IN_NAME = '\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const traitPath = z
  .string()
  .min(1)
  .max(200)
  // Spelled as ranges (control characters, then Unicode's white space) rather than `\s` and
  // `\p{Cc}`, so that the OpenAPI document's pattern is one every tool can read.
  .regex(
    new RegExp(`^[^.$${NOT_IN_NAME}][^.${NOT_IN_NAME}]*(\\.[^.$${NOT_IN_NAME}][^.${NOT_IN_NAME}]*)*$`),
    'a trait path: names separated by dots, none empty, starting with $, or holding white space or control characters',
  );

export const peopleSearchQuery = z
  .object({
    /** How to find: one identifier exactly, a trait's value (a bounded scan), or a segment's members. */
    by: z.enum(['identifier', 'trait', 'segment']),
    /** For `identifier`: `profileId` or an identifier kind (userId, email, phone, anonymousId, an external id kind); absent: any of them. */
    kind: z.string().min(1).max(64).optional(),
    /** The identifier (`identifier`) or the trait's value (`trait`: a number, true or false as such, text in double quotes as text). */
    value: z.string().trim().min(1).max(512).optional(),
    trait: traitPath.optional(),
    segment: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    /** From the previous answer's `nextCursor`. */
    cursor: z.string().min(1).max(512).optional(),
    /** `trait`: how long the database may read profiles for this page, in milliseconds. */
    budget: z.coerce.number().int().min(500).max(30_000).default(5_000),
  })
  .strict()
  .superRefine((query, ctx) => {
    const need = (field: 'value' | 'trait' | 'segment') => {
      if (query[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required when searching by ${query.by}` });
    };
    if (query.by === 'identifier') need('value');
    if (query.by === 'trait') {
      need('trait');
      need('value');
    }
    if (query.by === 'segment') need('segment');
  });

/** A name to show beside the id: the `name` trait, or first and last name. */
function nameOf(traits: ProfileDoc['traits'] | undefined): string | undefined {
  if (!traits) return undefined;
  if (typeof traits.name === 'string' && traits.name.trim()) return traits.name.trim();
  const parts = [traits.firstName, traits.lastName].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

type Found = Pick<ProfileDoc, '_id'> & Partial<Pick<ProfileDoc, 'traits' | 'identities' | 'lastSeenAt'>>;
function presentFound(profile: Found, personal: boolean) {
  const email = profile.identities?.email?.[0];
  const name = nameOf(profile.traits);
  return {
    profileId: profile._id,
    ...(profile.lastSeenAt ? { lastSeenAt: profile.lastSeenAt } : {}),
    ...(personal && email ? { email } : {}),
    ...(personal && name ? { name } : {}),
  };
}

export function peopleSearchRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;
  const kinds = () => [...CORE_IDENTITY_KINDS, ...deps.externalIdKinds];

  const activeRules = async () => (await stores.rules.active())?.ir;

  /** Profile ids `value` names as `kind` (or as any kind, and as a profile id). */
  const findByIdentifier = async (kind: string | undefined, value: string, personal: boolean): Promise<string[]> => {
    if (kind !== undefined && kind !== 'profileId' && !kinds().includes(kind))
      throw badRequest('invalid_query', `kind: one of profileId, ${kinds().join(', ')}`);
    if (!personal && kind !== undefined && kind !== 'profileId')
      throw forbidden('a viewer finds people by profile id only: identifiers are personal data');
    const ids: string[] = [];
    if (kind === undefined || kind === 'profileId') {
      const profile = await stores.profiles.findById(value);
      if (profile) ids.push(profile._id);
    }
    if (personal) {
      const refs = (kind === undefined ? kinds() : kind === 'profileId' ? [] : [kind]).map((k) => normaliseIdentity({ kind: k, value }));
      // One `$in` of identity keys: a search of the `_id` index.
      const owners = refs.length > 0 ? await stores.identities.owners(refs) : new Map<string, string>();
      for (const owner of owners.values()) {
        // An identity may still name a profile merged away: show where it lives now.
        const profile = await stores.profiles.findById(owner);
        if (profile) ids.push(profile._id);
      }
    }
    return [...new Set(ids)];
  };

  router.get('/v1/people', async (req, res) => {
    const parsed = peopleSearchQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const query = parsed.data;
    const personal = seesPersonal(res);
    await awaitProfiles(deps, res);

    if (query.by === 'identifier') {
      const ids = await findByIdentifier(query.kind, query.value!, personal);
      const profiles = await stores.profiles.findExactByIds(ids);
      res.json({
        by: query.by,
        people: ids.flatMap((id) => (profiles.has(id) ? [presentFound(profiles.get(id)!, personal)] : [])),
        nextCursor: null,
      });
      return;
    }

    if (query.by === 'segment') {
      const segments = (await activeRules())?.segments ?? [];
      if (!segments.some((segment) => segment.name === query.segment)) throw notFound(`no segment ${query.segment} in the active rules`);
      const page = await stores.segmentMembers.page(query.segment!, query.limit, query.cursor).catch((error: unknown) => {
        throw error instanceof InvalidCursorError ? badRequest('invalid_query', 'cursor: not a cursor this API returned') : error;
      });
      // The members' profiles in one `$in` of ids, and only for those who see identifiers.
      const profiles = personal ? await stores.profiles.findExactByIds(page.members.map((member) => member.profileId)) : new Map();
      res.json({
        by: query.by,
        people: page.members.map((member) => ({
          ...presentFound(profiles.get(member.profileId) ?? { _id: member.profileId }, personal),
          since: member.since,
        })),
        nextCursor: page.next ?? null,
      });
      return;
    }

    // By trait: trait values are personal data, and no index answers it: the database reads
    // profiles until a page matches, for at most `budget` milliseconds.
    if (!personal) throw forbidden('a viewer may not search by trait: trait values are personal data');
    const skip = query.cursor === undefined ? 0 : decodeTraitCursor(query.cursor);
    const { found, timedOut } = await stores.profiles.withTrait(query.trait!, typedValue(query.value!), {
      skip,
      limit: query.limit,
      maxTimeMS: query.budget,
    });
    const more = timedOut || found.length === query.limit;
    res.json({
      by: query.by,
      people: found.map((profile) => presentFound(profile, personal)),
      timedOut,
      // Where the next page starts: after the matches shown so far (a timed-out page starts where it did).
      nextCursor: more ? Buffer.from(JSON.stringify(['trait', skip + found.length])).toString('base64url') : null,
    });
  });

  return router;
}

function decodeTraitCursor(cursor: string): number {
  try {
    const [kind, skip] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number];
    if (kind !== 'trait' || !Number.isInteger(skip) || skip < 0) throw new Error('bad cursor');
    return skip;
  } catch {
    throw badRequest('invalid_query', 'cursor: not a cursor this API returned');
  }
}

/**
 * The value a typed text stands for: a number or true/false as such, anything in double
 * quotes as the text inside, the rest as text. One value, so the database compares it
 * with an equality it filters by as it reads (FerretDB reads every profile for an `$in`).
 */
export function typedValue(typed: string): unknown {
  if (typed.length >= 2 && typed.startsWith('"') && typed.endsWith('"')) return typed.slice(1, -1);
  if (typed === 'true' || typed === 'false') return typed === 'true';
  if (/^-?\d+(\.\d+)?$/.test(typed)) return Number(typed);
  return typed;
}
