/**
 * A list the server pages by cursor (GET /v1/audit, GET /v1/consents/ledger?format=json),
 * with a form of filters applied on submit: the audit log and the consent ledger share it.
 * The server answers a page and the cursor of the next one; the page keeps the cursors it
 * has been given, so "Previous" goes back without the server knowing about it.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLive, type Live } from '../charts/live';
import { Empty, Failed, Loading } from '../charts/states';

/** One page as the page's loader gives it: the rows and the next page's cursor, if any. */
export interface CursorPage<T> {
  items: T[];
  next?: string;
}

export type FilterValues = Record<string, string>;

export interface Filters<F extends FilterValues> {
  /** What the form shows. */
  typed: F;
  /** What the list is filtered by: the form as last submitted. */
  applied: F;
  field: (name: keyof F & string) => { name: string; value: string; onInput: (event: Event) => void };
  apply: () => void;
  clear: () => void;
}

/** Filters typed into a form and applied on submit (trimmed), or cleared back to `empty`. */
export function useFilters<F extends FilterValues>(empty: F, initial: F = empty): Filters<F> {
  const [typed, setTyped] = useState<F>(initial);
  const [applied, setApplied] = useState<F>(initial);
  return {
    typed,
    applied,
    field: (name) => ({
      name,
      value: typed[name] ?? '',
      onInput: (event: Event) => setTyped({ ...typed, [name]: (event.currentTarget as HTMLInputElement).value }),
    }),
    apply: () => setApplied(Object.fromEntries(Object.entries(typed).map(([key, value]) => [key, value.trim()])) as F),
    clear: () => {
      setTyped(empty);
      setApplied(empty);
    },
  };
}

export interface CursorPages<T> {
  live: Live<CursorPage<T>>;
  items: T[] | undefined;
  /** 1 for the newest page. */
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  previous: () => void;
  next: () => void;
}

/**
 * The pages of `load`, one at a time, from the first whenever `key` (the filters) changes.
 * The page shown is read again every `intervalMs`: on the first page new rows appear.
 */
export function useCursorPages<T>(load: (cursor?: string) => Promise<CursorPage<T>>, key: string, intervalMs: number): CursorPages<T> {
  // The cursors of the pages visited, the first page's being none; kept per key so new filters start over.
  const [trail, setTrail] = useState<{ key: string; cursors: (string | undefined)[] }>({ key, cursors: [undefined] });
  const cursors = trail.key === key ? trail.cursors : [undefined];
  const cursor = cursors.at(-1);
  const live = useLive(() => load(cursor), `${key}#${cursors.length}:${cursor ?? ''}`, { intervalMs });
  const next = live.data?.next;
  return {
    live,
    items: live.data?.items,
    page: cursors.length,
    hasPrevious: cursors.length > 1,
    hasNext: next !== undefined,
    previous: () => setTrail({ key, cursors: cursors.slice(0, -1) }),
    next: () => {
      if (next !== undefined) setTrail({ key, cursors: [...cursors, next] });
    },
  };
}

/** The filters' form: its fields, "Filter" (and "Clear" when asked for). */
export function FilterForm<F extends FilterValues>({
  label,
  filters,
  clearable = false,
  children,
}: {
  label: string;
  filters: Filters<F>;
  clearable?: boolean;
  children: ComponentChildren;
}) {
  return (
    <form
      class="dash-search consent-filters"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        filters.apply();
      }}
    >
      {children}
      <button type="submit">Filter</button>
      {clearable && (
        <button type="button" class="dash-button-quiet" onClick={filters.clear}>
          Clear
        </button>
      )}
    </form>
  );
}

/** The rows of the page (or why there are none) and the pager under them. */
export function PagedList<T>({
  pages,
  what,
  empty,
  pagerLabel,
  children,
}: {
  pages: CursorPages<T>;
  /** "audit log": in "Loading the audit log…" and its failure. */
  what: string;
  empty: string;
  pagerLabel: string;
  children: (items: T[]) => ComponentChildren;
}) {
  const { items, live } = pages;
  return (
    <>
      {!items && live.error && <Failed error={live.error} what={what} />}
      {!items && !live.error && <Loading what={what} />}
      {items && items.length === 0 && <Empty>{empty}</Empty>}
      {items && items.length > 0 && children(items)}
      {items && (pages.hasPrevious || pages.hasNext) && (
        <nav class="dash-pager" aria-label={pagerLabel}>
          <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
            Previous
          </button>
          <span>Page {pages.page}</span>
          <button type="button" disabled={!pages.hasNext} onClick={pages.next}>
            Next
          </button>
        </nav>
      )}
    </>
  );
}

const DAY_MS = 24 * 3600 * 1000;
/** A date field's day as the instant it starts (`from`) or the instant after it ends (`to`), UTC. */
export const dayStart = (day: string) => `${day}T00:00:00.000Z`;
export const dayEnd = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString();
