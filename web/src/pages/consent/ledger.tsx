/**
 * The consent ledger, filtered by purpose, person (profile id), kind of record and time,
 * newest first, a page at a time, and downloadable as CSV. The API gives the ledger as CSV
 * (GET /v1/consents/ledger, filtered there by purpose and start); the page reads it,
 * narrows it by the other filters, and the download is exactly the rows shown, in the
 * server's own columns.
 */
import { useMemo, useState } from 'preact/hooks';
import { getText, saveFile } from '../../api';
import { useLive } from '../../charts/live';
import { count, Empty, Failed, Loading, when } from '../../charts/states';
import { parseCsv } from './csv';
import type { LedgerRecord } from './types';

const PAGE_SIZE = 25;
/** The ledger is read whole (a scan on FerretDB): again when the filters change, else every 5 minutes. */
const LEDGER_MS = 5 * 60_000;
const KINDS = ['granted', 'denied', 'revoked', 'pending'] as const;

interface Filters {
  purpose: string;
  person: string;
  kind: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { purpose: '', person: '', kind: '', from: '', to: '' };

function ledgerPath(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.purpose) query.set('purpose', filters.purpose);
  if (filters.from) query.set('since', `${filters.from}T00:00:00Z`);
  const text = query.toString();
  return `/v1/consents/ledger${text ? `?${text}` : ''}`;
}

function read(text: string): { header: string; records: LedgerRecord[] } {
  const { header, rows } = parseCsv(text);
  const column = (name: string) => header?.fields.indexOf(name) ?? -1;
  const at = {
    id: column('record_id'),
    profileId: column('profile_id'),
    purpose: column('purpose'),
    state: column('state'),
    at: column('at'),
    origin: column('origin'),
    method: column('method'),
  };
  const records = rows.map((row) => ({
    id: row.fields[at.id] ?? '',
    profileId: row.fields[at.profileId] ?? '',
    purpose: row.fields[at.purpose] ?? '',
    state: row.fields[at.state] ?? '',
    at: row.fields[at.at] ?? '',
    origin: row.fields[at.origin] ?? '',
    method: row.fields[at.method] ?? '',
    raw: row.raw,
  }));
  return { header: header?.raw ?? '', records };
}

export function Ledger({ purposes }: { purposes: { purpose: string; title?: string }[] }) {
  const [typed, setTyped] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(0);
  const path = ledgerPath(filters);
  const live = useLive(() => getText(path), path, { intervalMs: LEDGER_MS });
  const ledger = useMemo(() => (live.data === undefined ? undefined : read(live.data)), [live.data]);

  const shown = useMemo(() => {
    if (!ledger) return undefined;
    const person = filters.person.trim();
    const until = filters.to ? Date.parse(`${filters.to}T00:00:00Z`) + 24 * 3600 * 1000 : Infinity;
    return ledger.records
      .filter(
        (record) =>
          (!person || record.profileId === person) && (!filters.kind || record.state === filters.kind) && Date.parse(record.at) < until,
      )
      .reverse();
  }, [ledger, filters]);

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters({ ...typed, person: typed.person.trim() });
    setPage(0);
  };
  const field = (name: keyof Filters) => ({
    name,
    value: typed[name],
    onInput: (event: Event) => setTyped({ ...typed, [name]: (event.currentTarget as HTMLInputElement).value }),
  });
  const download = () => {
    if (!ledger || !shown) return;
    // Oldest first, as the API writes it.
    const lines = [ledger.header, ...[...shown].reverse().map((record) => record.raw)];
    saveFile('consent-ledger.csv', 'text/csv;charset=utf-8', `${lines.join('\r\n')}\r\n`);
  };
  const pages = shown ? Math.max(1, Math.ceil(shown.length / PAGE_SIZE)) : 1;
  const rows = shown?.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);

  return (
    <section class="dash-card" aria-labelledby="ledger-title">
      <header class="dash-card-header">
        <h2 id="ledger-title">Ledger {shown && <span class="dash-count">{count(shown.length)}</span>}</h2>
        <button type="button" class="dash-button dash-button-quiet" disabled={!shown} onClick={download}>
          Download CSV
        </button>
      </header>
      <form class="dash-search consent-filters" aria-label="Filter the ledger" onSubmit={apply}>
        <label>
          Purpose
          <select {...field('purpose')}>
            <option value="">All purposes</option>
            {purposes.map((p) => (
              <option key={p.purpose} value={p.purpose}>
                {p.title ?? p.purpose}
              </option>
            ))}
          </select>
        </label>
        <label>
          Person
          <input type="search" placeholder="profile id" {...field('person')} />
        </label>
        <label>
          Kind
          <select {...field('kind')}>
            <option value="">Any kind</option>
            {KINDS.map((kind) => (
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
        <button
          type="button"
          class="dash-button-quiet"
          onClick={() => {
            setTyped(EMPTY);
            setFilters(EMPTY);
            setPage(0);
          }}
        >
          Clear
        </button>
      </form>
      {!shown && live.error && <Failed error={live.error} what="ledger" />}
      {!shown && !live.error && <Loading what="ledger" />}
      {shown && shown.length === 0 && <Empty>No record matches these filters.</Empty>}
      {rows && rows.length > 0 && (
        <div class="consent-scroll">
          <table class="dash-table" aria-label="Ledger records">
            <thead>
              <tr>
                <th scope="col">Given</th>
                <th scope="col">Purpose</th>
                <th scope="col">Kind</th>
                <th scope="col">Person</th>
                <th scope="col">Origin</th>
                <th scope="col">Record</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((record) => (
                <tr key={record.id}>
                  <td>{when(record.at)}</td>
                  <td>{record.purpose}</td>
                  <td>
                    <span class={`consent-state consent-state-${record.state}`}>{record.state}</span>
                  </td>
                  <td>
                    <code>{record.profileId}</code>
                  </td>
                  <td>{record.method && record.method !== record.origin ? `${record.origin} (${record.method})` : record.origin}</td>
                  <th scope="row">
                    <code class="consent-id">{record.id}</code>
                  </th>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && pages > 1 && (
        <nav class="dash-pager" aria-label="Ledger pages">
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
