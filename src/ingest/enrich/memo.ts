/**
 * A bounded memo for pure functions of a string. Ingestion sees the same few hundred
 * user agents, locales and time zones over and over, and some checks (building an
 * `Intl.DateTimeFormat`) cost tens of microseconds; remembering answers keeps enrichment
 * cheap. Bounded so that a sender inventing values cannot grow memory without limit:
 * when full, the oldest answer is forgotten (insertion order, which is all `Map` keeps).
 */
export function memoise<T>(compute: (key: string) => T, maxEntries: number): (key: string) => T {
  // Boxed, so that a remembered `undefined` ("not valid") is told apart from "not asked yet".
  const answers = new Map<string, { value: T }>();
  return (key: string): T => {
    const known = answers.get(key);
    if (known !== undefined) return known.value;
    const value = compute(key);
    if (answers.size >= maxEntries) {
      const oldest = answers.keys().next();
      if (oldest.done !== true) answers.delete(oldest.value);
    }
    answers.set(key, { value });
    return value;
  };
}
