/**
 * Chevrotain 13 declares Node ≥ 22 and calls `Object.groupBy` (Node 21+) while analysing
 * the grammar; the project supports Node 20. This installs a spec-conforming
 * `Object.groupBy` when, and only when, the runtime lacks it. Import it before the parser
 * is built (parser.ts does, first).
 */
type GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, key: (item: T, index: number) => K) => Partial<Record<K, T[]>>;

const objectWithGroupBy = Object as unknown as { groupBy?: GroupBy };

if (typeof objectWithGroupBy.groupBy !== 'function') {
  const groupBy: GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, key: (item: T, index: number) => K) => {
    const groups = Object.create(null) as Partial<Record<K, T[]>>;
    let index = 0;
    for (const item of items) {
      const k = key(item, index++);
      (groups[k] ??= []).push(item);
    }
    return groups;
  };
  Object.defineProperty(Object, 'groupBy', { value: groupBy, writable: true, configurable: true, enumerable: false });
}

export {};
