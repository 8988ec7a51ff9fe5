/** The default branch of an exhaustive `switch`: a compile error when a case is missing. */
export function assertNever(value: never, what: string): never {
  throw new Error(`internal error: unexpected ${what}: ${JSON.stringify(value)}`);
}
