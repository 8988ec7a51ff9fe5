/**
 * Console user names: the users collection's `_id`. Compared as typed by people, so one
 * spelling per account: Unicode NFC, trimmed, lower case (`Ada` and `ada` are one account).
 * Letters of any script, digits and `. _ - @` (so an e-mail address may serve as a name,
 * though a name need not be one).
 */
export const MAX_USER_NAME_LENGTH = 64;

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]*$/u;

export function normaliseUserName(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

/** Why a (normalised) name is refused, or undefined when it is acceptable. */
export function userNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if ([...name].length > MAX_USER_NAME_LENGTH) return `the name must be at most ${MAX_USER_NAME_LENGTH} characters`;
  if (!NAME.test(name)) return 'the name may hold letters, digits and . _ - @, and starts with a letter or digit';
  return undefined;
}
