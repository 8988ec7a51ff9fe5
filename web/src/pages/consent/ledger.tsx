/**
 * The consent ledger, filtered by purpose, person (profile id), kind of record and time,
 * newest first, a page at a time (GET /v1/consents/ledger?format=json: the server filters
 * and pages, so no page reads the ledger whole), and downloadable as CSV: every record the
 * filters match, in the server's own columns, oldest first.
 */
import { useState } from 'preact/hooks';
import { describeError, get, getText, saveFile } from '../../api';
import { when } from '../../charts/states';
import { dayEnd, dayStart, FilterForm, PagedList, useCursorPages, useFilters, type CursorPage } from '../../components/paging';
import type { LedgerRecord } from './types';

const PAGE_SIZE = 25;
/** The page shown is read again this often: on the first page, new records appear. */
const LEDGER_MS = 60_000;
const KINDS = ['granted', 'denied', 'revoked', 'pending'] as const;
const EMPTY = { purpose: '', person: '', kind: '', from: '', to: '' };

/** The server's filters, the same for a page and for the CSV. */
function ledgerFilters(filters: typeof EMPTY): URLSearchParams {
  return new URLSearchParams({
    ...(filters.purpose ? { purpose: filters.purpose } : {}),
    ...(filters.person ? { profileId: filters.person } : {}),
    ...(filters.kind ? { state: filters.kind } : {}),
    ...(filters.from ? { since: dayStart(filters.from) } : {}),
    ...(filters.to ? { to: dayEnd(filters.to) } : {}),
  });
}

export function Ledger({ purposes }: { purposes: { purpose: string; title?: string }[] }) {
  const filters = useFilters(EMPTY);
  const query = ledgerFilters(filters.applied).toString();
  const pages = useCursorPages<LedgerRecord>(
    async (cursor) => {
      const paging = new URLSearchParams({ format: 'json', limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) }).toString();
      const page = await get<{ records: LedgerRecord[]; next?: string }>(`/v1/consents/ledger?${query ? `${query}&` : ''}${paging}`);
      return { items: page.records, ...(page.next ? { next: page.next } : {}) } satisfies CursorPage<LedgerRecord>;
    },
    query,
    LEDGER_MS,
  );
  const [downloading, setDownloading] = useState(false);
  const [failure, setFailure] = useState<string>();
  const download = async () => {
    setDownloading(true);
    setFailure(undefined);
    try {
      const csv = await getText(`/v1/consents/ledger${query ? `?${query}` : ''}`);
      saveFile('consent-ledger.csv', 'text/csv;charset=utf-8', csv);
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <section class="dash-card" aria-labelledby="ledger-title">
      <header class="dash-card-header">
        <h2 id="ledger-title">Ledger</h2>
        <button type="button" class="dash-button dash-button-quiet" disabled={downloading} onClick={() => void download()}>
          {downloading ? 'Downloading…' : 'Download CSV'}
        </button>
      </header>
      {failure && (
        <p class="dash-error" role="alert">
          {failure}
        </p>
      )}
      <FilterForm label="Filter the ledger" filters={filters} clearable>
        <label>
          Purpose
          <select {...filters.field('purpose')}>
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
          <input type="search" placeholder="profile id" {...filters.field('person')} />
        </label>
        <label>
          Kind
          <select {...filters.field('kind')}>
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
          <input type="date" {...filters.field('from')} />
        </label>
        <label>
          To
          <input type="date" {...filters.field('to')} />
        </label>
      </FilterForm>
      <PagedList pages={pages} what="ledger" empty="No record matches these filters." pagerLabel="Ledger pages">
        {(rows) => (
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
                    <td>
                      {record.proof.method && record.proof.method !== record.origin.kind
                        ? `${record.origin.kind} (${record.proof.method})`
                        : record.origin.kind}
                    </td>
                    <th scope="row">
                      <code class="consent-id">{record.id}</code>
                    </th>
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
