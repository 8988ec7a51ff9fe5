/**
 * The console's roles. What each may do is decided by the server (src/server/permissions.ts),
 * never by which buttons the console shows.
 */
export const ROLES = ['admin', 'marketer', 'privacy', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * Roles that see personal data (identifiers, traits) of the people in segments and profiles.
 * A `viewer` sees sizes, charts and profile ids only.
 */
export const SEES_PERSONAL_DATA: ReadonlySet<Role> = new Set(['admin', 'marketer', 'privacy']);
