/**
 * The retention policy as it stands (GET /v1/privacy/retention), when it next runs and what
 * its last run removed; and a dry run: what the next run would remove now, counted by the
 * server without removing anything (POST /v1/privacy/retention/dry-run).
 */
import { useState } from 'preact/hooks';
import { api, describeError, get } from '../../api';
import { useLive } from '../../charts/live';
import { count, Failed, Loading, when } from '../../charts/states';
import type { RetentionDryRun, RetentionPolicy, RetentionRule } from './types';

export const describeRule = (rule: RetentionRule) =>
  `${rule.event ? `“${rule.event}” events` : rule.type ? `${rule.type} events` : 'all events'}${rule.event && rule.type ? ` (${rule.type})` : ''} older than ${rule.olderThanDays} days`;

export function RetentionTab() {
  const live = useLive(() => get<RetentionPolicy>('/v1/privacy/retention'), 'retention', { intervalMs: 30_000 });
  const [run, setRun] = useState<RetentionDryRun>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const policy = live.data;
  const empty = policy && policy.events.length === 0 && policy.inactivePeopleDays === undefined;

  const dryRun = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setRun(await api<RetentionDryRun>('POST', '/v1/privacy/retention/dry-run', { json: {} }));
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section class="dash-card" aria-labelledby="policy-title">
        <header class="dash-card-header">
          <h2 id="policy-title">Retention policy</h2>
          <button type="button" class="dash-button" disabled={busy || !policy || empty} onClick={() => void dryRun()}>
            {busy ? 'Counting…' : 'Dry run'}
          </button>
        </header>
        {!policy && live.error && <Failed error={live.error} what="retention policy" />}
        {!policy && !live.error && <Loading what="retention policy" />}
        {empty && <p class="dash-empty">No policy: everything is kept. Set one with PUT /v1/privacy/retention.</p>}
        {policy && !empty && (
          <>
            <ul class="privacy-rules" aria-label="Rules">
              {policy.events.map((rule, i) => (
                <li key={i}>Remove {describeRule(rule)}</li>
              ))}
              {policy.inactivePeopleDays !== undefined && (
                <li>Erase people not seen for {policy.inactivePeopleDays} days (not suppressed)</li>
              )}
            </ul>
            <dl class="privacy-facts">
              <dt>Next run</dt>
              <dd>{policy.nextRunAt ? when(policy.nextRunAt) : 'not scheduled'}</dd>
              <dt>Last run</dt>
              <dd>
                {policy.lastRun
                  ? `${when(policy.lastRun.at)}: ${count(policy.lastRun.events.reduce((a, b) => a + b, 0))} events removed, ${count(policy.lastRun.peopleErased)} people erased`
                  : 'never'}
              </dd>
            </dl>
          </>
        )}
        {error && (
          <p class="dash-error" role="alert">
            {error}
          </p>
        )}
      </section>
      {run && (
        <section class="dash-card" aria-labelledby="dry-run-title">
          <header class="dash-card-header">
            <h2 id="dry-run-title">If it ran now</h2>
            <span class="dash-muted">counted {when(run.at)}; nothing was removed</span>
          </header>
          <table class="dash-table" aria-label="Dry run">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Before</th>
                <th scope="col" class="dash-num">
                  Would remove
                </th>
              </tr>
            </thead>
            <tbody>
              {run.events.map((entry, i) => (
                <tr key={i}>
                  <th scope="row">{describeRule(entry.rule)}</th>
                  <td>{when(entry.cutoff)}</td>
                  <td class="dash-num">{count(entry.count)} events</td>
                </tr>
              ))}
              {run.inactivePeople && (
                <tr>
                  <th scope="row">People not seen for {run.inactivePeople.days} days</th>
                  <td>{when(run.inactivePeople.cutoff)}</td>
                  <td class="dash-num">
                    {count(run.inactivePeople.count)} people
                    {run.inactivePeople.capped ? ' (the most one run erases; more the next day)' : ''}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
