/**
 * Made-up data to preview a template with, so a marketer sees it filled before choosing a
 * real person: a value for each trait the data catalogue has seen (the first few), and for
 * each `traits.x` and `with.x` the template itself reads. Values say what they stand for.
 */

/** The catalogue's traits (GET /v1/catalog). */
export interface CatalogTraits {
  traits: { path: string; kinds: string[] }[];
}

/** More would bury the ones the template reads. */
const MAX_CATALOG_TRAITS = 12;

const EXAMPLES: Record<string, unknown> = {
  email: 'ada@example.com',
  first_name: 'Ada',
  firstName: 'Ada',
  last_name: 'Lovelace',
  lastName: 'Lovelace',
  name: 'Ada Lovelace',
  city: 'London',
  plan: 'pro',
};

function exampleOf(path: string, kinds: string[] = ['string']): unknown {
  const leaf = path.split('.').at(-1)!;
  if (leaf in EXAMPLES) return EXAMPLES[leaf];
  if (kinds.includes('string')) return `sample ${leaf}`;
  if (kinds.includes('number')) return 3;
  if (kinds.includes('boolean')) return true;
  return `sample ${leaf}`;
}

/** Sets `a.b.c` in a nested object, leaving a value already there. */
function put(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (!(last in node)) node[last] = value;
}

/** The names a template reads under `traits.` or `with.` (outside Liquid they are not read, but harmless). */
export function namesRead(source: string, root: 'traits' | 'with'): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(new RegExp(`\\b${root}\\.([A-Za-z_][\\w]*(?:\\.[A-Za-z_][\\w]*)*)`, 'g'))) names.add(match[1]!);
  return [...names];
}

export function sampleTraits(source: string, catalog: CatalogTraits | undefined): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  for (const path of namesRead(source, 'traits')) put(traits, path, exampleOf(path));
  for (const trait of (catalog?.traits ?? []).slice(0, MAX_CATALOG_TRAITS)) put(traits, trait.path, exampleOf(trait.path, trait.kinds));
  return traits;
}

export function sampleWith(source: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  // A step's `with` values are flat: text, numbers, true or false.
  for (const name of namesRead(source, 'with')) values[name.split('.')[0]!] = `sample ${name.split('.')[0]}`;
  return values;
}

/** JSON of an object, or the reason it is not one. */
export function parseObject(text: string): { value: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: 'an object is expected: { "name": value, … }' };
    return { value: value as Record<string, unknown> };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
