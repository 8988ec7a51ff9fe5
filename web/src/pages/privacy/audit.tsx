/**
 * The audit log (GET /v1/audit): who did what, when, and why, filtered by user, kind and
 * time. The API filters by kind and start and answers at most 1,000 entries, oldest first;
 * the page narrows those by user and end, shows them newest first, 25 to a page, and says
 * when the 1,000 were not all there is.
 */
import { useMemo, useState } from 'preact/hooks';
import { get } from '../../api';
import { useLive } from '../../charts/live';
import { count, Empty, Failed, Loading, when } from '../../charts/states';
// The kinds the server records and filters on: one list (profile.viewed included).
import { AUDIT_KINDS } from '../../../../src/model.js';
import type { AuditEntry } from './types';

const PAGE_SIZE = 25;
const LIMIT = 1000;
const DAY_MS = 24 * 3600 * 1000;

interface Filters {
  user: string;
  kind: string;
  from: string;
  to: string;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const initial = (): Filters => ({ user: '', kind: '', from: isoDay(Date.now() - 6 * DAY_MS), to: '' });

const describe = (record: Record<string, unknown> | undefined) =>
  Object.entries(record ?? {})
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');

export function AuditTab() {
  const [typed, setTyped] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(typed);
  const [page, setPage] = useState(0);
  const query = new URLSearchParams({
    limit: String(LIMIT),
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.from ? { since: `${filters.from}T00:00:00Z` } : {}),
  });
  const path = `/v1/audit?${query.toString()}`;
  const live = useLive(() => get<{ entries: AuditEntry[] }>(path), path, { intervalMs: 30_000 });
  const entries = live.data?.entries;
  const shown = useMemo(() => {
    if (!entries) return undefined;
    const user = filters.user.trim().toLowerCase();
    const until = filters.to ? Date.parse(`${filters.to}T00:00:00Z`) + DAY_MS : Infinity;
    // `user:ada` or just `ada`; `admin` is the admin key, `system` a durable process.
    const matches = (actor: string) => !user || actor.toLowerCase() === user || actor.toLowerCase() === `user:${user}`;
    return entries.filter((entry) => matches(entry.actor) && Date.parse(entry.at) < until).reverse();
  }, [entries, filters]);
  const pages = shown ? Math.max(1, Math.ceil(shown.length / PAGE_SIZE)) : 1;
  const rows = shown?.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const field = (name: keyof Filters) => ({
    name,
    value: typed[name],
    onInput: (event: Event) => setTyped({ ...typed, [name]: (event.currentTarget as HTMLInputElement).value }),
  });

  return (
    <section class="dash-card" aria-labelledby="audit-title">
      <header class="dash-card-header">
        <h2 id="audit-title">Audit log {shown && <span class="dash-count">{count(shown.length)}</span>}</h2>
      </header>
      <form
        class="dash-search consent-filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(typed);
          setPage(0);
        }}
      >
        <label>
          User
          <input type="search" placeholder="ada, admin, system" {...field('user')} />
        </label>
        <label>
          Kind
          <select {...field('kind')}>
            <option value="">Any kind</option>
            {AUDIT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" {...field('from')} />
        </label>
        <label>
          To
          <input type="date" {...field('to')} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {entries && entries.length === LIMIT && (
        <p class="dash-warning" role="note">
          The log holds more than {count(LIMIT)} entries from this start; these are the earliest. Move “From” later to see the rest.
        </p>
      )}
      {!shown && live.error && <Failed error={live.error} what="audit log" />}
      {!shown && !live.error && <Loading what="audit log" />}
      {shown && shown.length === 0 && <Empty>No entry matches these filters.</Empty>}
      {rows && rows.length > 0 && (
        <div class="consent-scroll">
          <table class="dash-table" aria-label="Audit entries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Who</th>
                <th scope="col">Concerning</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => (
                <tr key={entry.id}>
                  <td>{when(entry.at)}</td>
                  <th scope="row">{entry.kind}</th>
                  <td>{entry.actor}</td>
                  <td class="privacy-subject">{[describe(entry.subject), describe(entry.detail)].filter(Boolean).join(' · ') || '—'}</td>
                  <td>{entry.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && pages > 1 && (
        <nav class="dash-pager" aria-label="Audit pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
