/**
 * The audit log (GET /v1/audit): who did what, when, and why, newest first, a page at a
 * time, filtered by the server by user, kind, person and time; the whole log is reachable.
 */
import { get } from '../../api';
import { when } from '../../charts/states';
import { dayEnd, dayStart, FilterForm, PagedList, useCursorPages, useFilters, type CursorPage } from '../../components/paging';
// The kinds the server records and filters on: one list (profile.viewed included).
import { AUDIT_KINDS } from '../../../../src/model.js';
import type { AuditEntry } from './types';

const PAGE_SIZE = 25;
const DAY_MS = 24 * 3600 * 1000;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const EMPTY = { user: '', kind: '', person: '', from: '', to: '' };

const describe = (record: Record<string, unknown> | undefined) =>
  Object.entries(record ?? {})
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');

function auditQuery(filters: typeof EMPTY): URLSearchParams {
  return new URLSearchParams({
    limit: String(PAGE_SIZE),
    // `ada` finds the console user `user:ada`; `admin` is the admin key, `system` a durable process.
    ...(filters.user ? { actor: filters.user.replace(/^user:/i, '') } : {}),
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.person ? { profileId: filters.person } : {}),
    ...(filters.from ? { from: dayStart(filters.from) } : {}),
    ...(filters.to ? { to: dayEnd(filters.to) } : {}),
  });
}

export function AuditTab() {
  const filters = useFilters(EMPTY, { ...EMPTY, from: isoDay(Date.now() - 6 * DAY_MS) });
  const query = auditQuery(filters.applied).toString();
  const pages = useCursorPages<AuditEntry>(
    async (cursor) => {
      const page = await get<{ entries: AuditEntry[]; next?: string }>(
        `/v1/audit?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      return { items: page.entries, ...(page.next ? { next: page.next } : {}) } satisfies CursorPage<AuditEntry>;
    },
    query,
    30_000,
  );

  return (
    <section class="dash-card" aria-labelledby="audit-title">
      <header class="dash-card-header">
        <h2 id="audit-title">Audit log</h2>
        <span class="dash-muted">newest first</span>
      </header>
      <FilterForm label="Filter the audit log" filters={filters}>
        <label>
          User
          <input type="search" placeholder="ada, admin, system" {...filters.field('user')} />
        </label>
        <label>
          Kind
          <select {...filters.field('kind')}>
            <option value="">Any kind</option>
            {AUDIT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          Person
          <input type="search" placeholder="profile id" {...filters.field('person')} />
        </label>
        <label>
          From
          <input type="date" {...filters.field('from')} />
        </label>
        <label>
          To
          <input type="date" {...filters.field('to')} />
        </label>
      </FilterForm>
      <PagedList pages={pages} what="audit log" empty="No entry matches these filters." pagerLabel="Audit pages">
        {(rows) => (
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
      </PagedList>
    </section>
  );
}
