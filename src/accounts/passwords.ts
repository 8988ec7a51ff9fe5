/**
 * Console passwords, stored as scrypt hashes (Node's built-in, memory-hard: guessing costs
 * memory as well as time, which is what makes GPUs and ASICs expensive). The stored string
 * carries its own parameters and salt, `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url),
 * so the parameters can be raised later: old hashes still verify, and a sign-in with an
 * old hash stores a new one (`needsRehash`).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
/** Long enough for any passphrase or manager-generated password; bounds the work per attempt. */
export const MAX_PASSWORD_LENGTH = 1024;

interface Parameters {
  logN: number;
  r: number;
  p: number;
}

/**
 * OWASP's minimum for scrypt is N=2^17, r=8, p=1 or an equal-cost choice; N=2^15, r=8, p=3
 * is one of those (32 MiB per hash instead of 128 MiB, so several sign-ins at once do not
 * take half a gigabyte), about 0.3 s on a small server.
 */
const CURRENT: Parameters = { logN: 15, r: 8, p: 3 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Why a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return `the password must be at least ${MIN_PASSWORD_LENGTH} characters (a passphrase of a few words is easiest)`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

function derive(password: string, salt: Buffer, params: Parameters, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly that for the
  // current parameters, so leave headroom for raised ones.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, CURRENT, KEY_BYTES);
  return ['scrypt', CURRENT.logN, CURRENT.r, CURRENT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): (Parameters & { salt: Buffer; key: Buffer }) | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 24) return undefined;
  const key = Buffer.from(parts[5]!, 'base64url');
  if (key.length === 0) return undefined;
  return { logN, r, p, salt: Buffer.from(parts[4]!, 'base64url'), key };
}

/** Whether `password` matches the stored hash; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** A hash made with weaker parameters than today's: replace it at the next successful sign-in. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.logN < CURRENT.logN || parsed.r < CURRENT.r || parsed.p < CURRENT.p;
}

let dummy: Promise<string> | undefined;
/**
 * A hash of nothing anyone knows, verified against when the name is unknown: a sign-in
 * takes as long whether the account exists or not, so the time does not tell.
 */
export function decoyHash(): Promise<string> {
  return (dummy ??= hashPassword(randomBytes(24).toString('base64url')));
}
