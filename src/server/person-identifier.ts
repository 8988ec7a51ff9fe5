/**
 * How an admin names a person in a privacy request (an erasure, an export, a portal link):
 * exactly one of the core identifiers, and optionally why.
 */
import { z } from 'zod';
import type { IdentityKind } from '../model.js';
import { badRequest, fromZod } from './errors.js';

export const personIdentifierFields = {
  userId: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  anonymousId: z.string().min(1).optional(),
  phone: z.string().min(1).optional(),
};

export const reasonField = z.string().min(1).max(500).optional();

/** The one identifier among the parsed fields; a 400 unless exactly one is given. */
export function namedIdentifier(fields: Partial<Record<keyof typeof personIdentifierFields, string>>): {
  kind: IdentityKind;
  value: string;
} {
  const named = Object.entries(fields).filter(([, value]) => value !== undefined) as [IdentityKind, string][];
  if (named.length !== 1) throw badRequest('invalid_body', 'give exactly one of userId, email, anonymousId or phone');
  const [kind, value] = named[0]!;
  return { kind, value };
}

/** A privacy request's body: the person, and optionally a reason (shown in the audit log). */
export const privacyRequestBody = z.object({ ...personIdentifierFields, reason: reasonField }).strict();

export function parsePrivacyRequest(body: unknown): { kind: IdentityKind; value: string; reason?: string } {
  const parsed = privacyRequestBody.safeParse(body ?? {});
  if (!parsed.success) throw fromZod(parsed.error);
  const { reason, ...identifiers } = parsed.data;
  return { ...namedIdentifier(identifiers), ...(reason ? { reason } : {}) };
}
