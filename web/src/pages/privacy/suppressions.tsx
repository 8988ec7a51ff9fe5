/**
 * The suppression list: erased people's identifiers as keyed hashes, screened at ingestion
 * (what was dropped, when last). Lifting one lets that identifier in again: it asks for a
 * reason first, which the audit log keeps (DELETE /v1/privacy/suppressions/:id?reason=).
 */
import { useState } from 'preact/hooks';
import { api, describeError, get } from '../../api';
import { useLive } from '../../charts/live';
import { count, Empty, Failed, Loading, when } from '../../charts/states';
import type { Suppression } from './types';

export function SuppressionsTab() {
  const live = useLive(() => get<{ suppressions: Suppression[] }>('/v1/privacy/suppressions'), 'suppressions');
  const [lifting, setLifting] = useState<Suppression>();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [lifted, setLifted] = useState<string>();
  const list = live.data?.suppressions;

  const lift = async (event: Event) => {
    event.preventDefault();
    if (!lifting) return;
    setError(undefined);
    try {
      await api('DELETE', `/v1/privacy/suppressions/${encodeURIComponent(lifting.id)}?reason=${encodeURIComponent(reason.trim())}`);
      setLifted(lifting.id);
      setLifting(undefined);
      setReason('');
      live.refresh();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <section class="dash-card" aria-labelledby="suppressions-title">
      <header class="dash-card-header">
        <h2 id="suppressions-title">Suppressions {list && <span class="dash-count">{count(list.length)}</span>}</h2>
      </header>
      <p class="dash-muted">
        Identifiers of erased people, kept only as keyed hashes: events carrying them are dropped at ingestion, so a forgotten person is not
        recreated by an app that still knows them.
      </p>
      {lifted && (
        <p class="notice" role="status">
          Lifted <code>{lifted}</code>; the audit log records who and why.
        </p>
      )}
      {!list && live.error && <Failed error={live.error} what="suppressions" />}
      {!list && !live.error && <Loading what="suppressions" />}
      {list && list.length === 0 && <Empty>No identifier is suppressed.</Empty>}
      {list && list.length > 0 && (
        <div class="consent-scroll">
          <table class="dash-table" aria-label="Suppressions">
            <thead>
              <tr>
                <th scope="col">Suppression</th>
                <th scope="col">Kind</th>
                <th scope="col">Erasure</th>
                <th scope="col">Since</th>
                <th scope="col" class="dash-num">
                  Dropped
                </th>
                <th scope="col">
                  <span class="dash-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((entry) => (
                <tr key={entry.id}>
                  <th scope="row">
                    <code class="consent-id" title={entry.id}>
                      {entry.id.slice(0, 16)}…
                    </code>
                  </th>
                  <td>{entry.kind}</td>
                  <td>
                    <code>{entry.requestId}</code>
                  </td>
                  <td>{when(entry.createdAt)}</td>
                  <td class="dash-num">
                    {count(entry.dropped)}
                    {entry.lastDroppedAt && <span class="dash-name">last {when(entry.lastDroppedAt)}</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="dash-button dash-button-quiet"
                      aria-label={`Lift ${entry.kind} suppression of ${entry.requestId}`}
                      onClick={() => {
                        setLifting(entry);
                        setError(undefined);
                      }}
                    >
                      Lift
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {lifting && (
        <form class="privacy-form privacy-confirm" role="dialog" aria-label="Lift suppression" onSubmit={(event) => void lift(event)}>
          <p>
            Lift the {lifting.kind} suppression of erasure <code>{lifting.requestId}</code>? Events with this identifier will be accepted
            again and may create a new profile.
          </p>
          <label>
            Reason (kept in the audit log)
            <input type="text" required maxLength={500} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
          </label>
          <div class="dash-actions">
            <button type="submit" class="dash-button" disabled={!reason.trim()}>
              Lift suppression
            </button>
            <button type="button" class="dash-button dash-button-quiet" onClick={() => setLifting(undefined)}>
              Cancel
            </button>
          </div>
          {error && (
            <p class="dash-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
