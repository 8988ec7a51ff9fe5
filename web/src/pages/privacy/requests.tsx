/**
 * Privacy requests: erasures and exports, newest first, a page at a time (the API's
 * cursor), filtered by kind and state, each linking to its own page.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { useLive } from '../../charts/live';
import { Empty, Failed, Loading, when } from '../../charts/states';
import { ReceiptCheck } from './receipt-check';
import { ERASURE_STEPS, type PrivacyRequest, type RequestPage } from './types';

const PAGE_SIZE = 20;

export function StatusBadge({ status }: { status: string }) {
  return <span class={`dash-badge privacy-status privacy-status-${status}`}>{status}</span>;
}

function progress(request: PrivacyRequest): string {
  if (request.kind === 'export')
    return request.status === 'completed' ? (request.found === false ? 'nobody matched' : 'bundle built') : '—';
  const done = ERASURE_STEPS.filter((step) => request.steps?.[step]).length;
  return `${done} of ${ERASURE_STEPS.length} steps`;
}

function destinations(request: PrivacyRequest): string {
  const notices = Object.values(request.destinations ?? {});
  if (notices.length === 0) return '—';
  const by = (status: string) => notices.filter((notice) => notice.status === status).length;
  return [`${by('sent')} sent`, by('pending') ? `${by('pending')} pending` : '', by('failed') ? `${by('failed')} failed` : '']
    .filter(Boolean)
    .join(', ');
}

export function RequestsTab() {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({
    limit: String(PAGE_SIZE),
    ...(kind ? { kind } : {}),
    ...(status ? { status } : {}),
    ...(cursor ? { before: cursor } : {}),
  });
  const path = `/v1/privacy/requests?${query.toString()}`;
  const live = useLive(() => get<RequestPage>(path), path);
  const requests = live.data?.requests;
  const choose = (set: (value: string) => void) => (event: Event) => {
    set((event.currentTarget as HTMLSelectElement).value);
    setCursors([]);
  };

  return (
    <>
      <section class="dash-card" aria-labelledby="requests-title">
        <header class="dash-card-header">
          <h2 id="requests-title">Requests</h2>
          <div class="dash-actions">
            <label class="dash-select-inline">
              Kind{' '}
              <select value={kind} onChange={choose(setKind)}>
                <option value="">Erasures and exports</option>
                <option value="erasure">Erasures</option>
                <option value="export">Exports</option>
              </select>
            </label>
            <label class="dash-select-inline">
              State{' '}
              <select value={status} onChange={choose(setStatus)}>
                <option value="">Any state</option>
                {['pending', 'running', 'completed', 'failed'].map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </header>
        {!requests && live.error && <Failed error={live.error} what="requests" />}
        {!requests && !live.error && <Loading what="requests" />}
        {requests && requests.length === 0 && (
          <Empty>No privacy requests{kind || status ? ' match' : ' yet'}. People ask from their privacy page; admins over the API.</Empty>
        )}
        {requests && requests.length > 0 && (
          <div class="consent-scroll">
            <table class="dash-table" aria-label="Privacy requests">
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Kind</th>
                  <th scope="col">State</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Destinations</th>
                  <th scope="col">Asked</th>
                </tr>
              </thead>
              <tbody>
                {requests.map((request) => (
                  <tr key={request.id}>
                    <th scope="row">
                      <Link href={`/privacy/requests/${encodeURIComponent(request.id)}`} class="dash-row-link">
                        <code>{request.id}</code>
                      </Link>
                    </th>
                    <td>
                      {request.kind}
                      {request.origin && request.origin !== 'admin' && <span class="dash-name">by {request.origin}</span>}
                    </td>
                    <td>
                      <StatusBadge status={request.status} />
                    </td>
                    <td>{progress(request)}</td>
                    <td>{destinations(request)}</td>
                    <td>{when(request.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(cursors.length > 0 || live.data?.next) && (
          <nav class="dash-pager" aria-label="Request pages">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>Page {cursors.length + 1}</span>
            <button type="button" disabled={!live.data?.next} onClick={() => setCursors([...cursors, live.data!.next!])}>
              Next
            </button>
          </nav>
        )}
      </section>
      <ReceiptCheck />
    </>
  );
}
