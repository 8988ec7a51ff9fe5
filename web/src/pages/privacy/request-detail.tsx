/**
 * One privacy request: its steps with their times, what was removed (counts), each
 * downstream destination's answer, and for a completed erasure its signed receipt, to
 * download and to verify here against this server's key.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { describeError, get, saveFile } from '../../api';
import { useLive } from '../../charts/live';
import { count, Failed, Loading, when } from '../../charts/states';
import { verifyReceipt, type Verdict } from './receipt';
import { VerdictLine } from './receipt-check';
import { StatusBadge } from './requests';
import { ERASURE_STEPS, type PrivacyRequest, type SignedReceipt } from './types';

const REMOVED_NAMES: Record<string, string> = {
  profiles: 'profiles',
  events: 'events',
  identities: 'identifiers',
  consentRecords: 'consent records',
  segmentMemberships: 'segment memberships',
  segmentHistory: 'segment history entries',
  messages: 'messages',
  merges: 'merges',
  journeyRuns: 'journey runs stopped',
  processes: 'processes stopped',
  suppressed: 'identifiers suppressed',
};

export function RequestDetail({ id }: { id: string }) {
  const path = id.startsWith('ex_') ? `/v1/privacy/exports/${encodeURIComponent(id)}` : `/v1/privacy/erasures/${encodeURIComponent(id)}`;
  const live = useLive(() => get<PrivacyRequest>(path), path);
  const request = live.data;
  return (
    <>
      <p class="dash-crumbs">
        <Link href="/privacy">Requests</Link> / <code>{id}</code>
      </p>
      {!request && live.error && <Failed error={live.error} what="request" />}
      {!request && !live.error && <Loading what="request" />}
      {request && (
        <div class="privacy-detail">
          <section class="dash-card" aria-labelledby="request-title">
            <header class="dash-card-header">
              <h2 id="request-title">
                {request.kind === 'erasure' ? 'Erasure' : 'Export'} <code>{request.id}</code>
              </h2>
              <StatusBadge status={request.status} />
            </header>
            <dl class="privacy-facts">
              <dt>Asked</dt>
              <dd>{when(request.createdAt)}</dd>
              {request.completedAt && (
                <>
                  <dt>Completed</dt>
                  <dd>{when(request.completedAt)}</dd>
                </>
              )}
              {request.reason && (
                <>
                  <dt>Reason</dt>
                  <dd>{request.reason}</dd>
                </>
              )}
              {request.kind === 'export' && request.bytes !== undefined && (
                <>
                  <dt>Bundle</dt>
                  <dd>
                    {count(request.events ?? 0)} events, {count(request.bytes)} bytes
                    {request.downloadedAt
                      ? `, downloaded ${when(request.downloadedAt)}`
                      : request.expiresAt
                        ? `, until ${when(request.expiresAt)}`
                        : ''}
                  </dd>
                </>
              )}
            </dl>
            {request.kind === 'erasure' && (
              <ol class="privacy-steps" aria-label="Steps">
                {ERASURE_STEPS.map((step) => {
                  const at = request.steps?.[step];
                  return (
                    <li key={step} class={at ? 'privacy-step-done' : 'privacy-step-waiting'}>
                      <span class="privacy-step-name">{step}</span> <span class="dash-muted">{at ? when(at) : 'not yet'}</span>
                    </li>
                  );
                })}
              </ol>
            )}
          </section>
          {request.removed && (
            <section class="dash-card" aria-labelledby="removed-title">
              <header class="dash-card-header">
                <h2 id="removed-title">{request.status === 'completed' ? 'Removed' : 'Being removed'}</h2>
              </header>
              <ul class="privacy-counts" aria-label="Removed">
                {Object.entries(request.removed).map(([what, n]) => (
                  <li key={what}>
                    <span class="privacy-count">{count(n)}</span> {REMOVED_NAMES[what] ?? what}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {request.kind === 'erasure' && (
            <section class="dash-card" aria-labelledby="destinations-title">
              <header class="dash-card-header">
                <h2 id="destinations-title">Downstream destinations</h2>
              </header>
              {Object.keys(request.destinations ?? {}).length === 0 ? (
                <p class="dash-empty">No destination is subscribed to erasures, so nobody else had to be told.</p>
              ) : (
                <table class="dash-table" aria-label="Destinations">
                  <thead>
                    <tr>
                      <th scope="col">Destination</th>
                      <th scope="col">Notice</th>
                      <th scope="col">When</th>
                      <th scope="col">Answer</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(request.destinations ?? {}).map(([name, notice]) => (
                      <tr key={name}>
                        <th scope="row">{name}</th>
                        <td>
                          <StatusBadge status={notice.status} />
                        </td>
                        <td>{when(notice.at)}</td>
                        <td>{notice.detail ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          )}
          {request.kind === 'erasure' && request.status === 'completed' && <ReceiptCard id={request.id} />}
        </div>
      )}
    </>
  );
}

function ReceiptCard({ id }: { id: string }) {
  const [receipt, setReceipt] = useState<SignedReceipt>();
  const [verdict, setVerdict] = useState<Verdict>();
  const [error, setError] = useState<string>();
  const load = async () => receipt ?? (await get<SignedReceipt>(`/v1/privacy/erasures/${encodeURIComponent(id)}/receipt`));
  const act = (what: (r: SignedReceipt) => Promise<void> | void) => async () => {
    setError(undefined);
    try {
      const r = await load();
      setReceipt(r);
      await what(r);
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <section class="dash-card" aria-labelledby="receipt-title">
      <header class="dash-card-header">
        <h2 id="receipt-title">Receipt</h2>
        <div class="dash-actions">
          <button
            type="button"
            class="dash-button dash-button-quiet"
            onClick={act((r) => saveFile(`erasure-receipt-${id}.json`, 'application/json', `${JSON.stringify(r, null, 2)}\n`))}
          >
            Download receipt
          </button>
          <button type="button" class="dash-button" onClick={act(async (r) => setVerdict(await verifyReceipt(r)))}>
            Verify signature
          </button>
        </div>
      </header>
      <p class="dash-muted">Signed with Ed25519; checked here, in the browser, against this server's published key (/v1/receipt-key).</p>
      {verdict && <VerdictLine verdict={verdict} />}
      {error && (
        <p class="dash-error" role="alert">
          {error}
        </p>
      )}
      {receipt && (
        <details class="privacy-receipt">
          <summary>What was signed</summary>
          <pre>{JSON.stringify(JSON.parse(receipt.receipt), null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
