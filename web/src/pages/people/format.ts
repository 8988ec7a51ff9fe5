/** A trait's value as text: strings as they are, the rest as JSON. */
export const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
