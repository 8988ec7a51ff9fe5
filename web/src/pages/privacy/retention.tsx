/**
 * The retention policy as it stands (GET /v1/privacy/retention), when it next runs and what
 * its last run removed; a dry run of it (what the next run would remove now, counted by the
 * server without removing anything: POST /v1/privacy/retention/dry-run); and its editor,
 * which shows the dry run of the edited policy before saving it (retention-editor.tsx).
 */
import { useState } from 'preact/hooks';
import { api, describeError, get } from '../../api';
import { useLive } from '../../charts/live';
import { count, Failed, Loading, when } from '../../charts/states';
import { describeRule, DryRunTable } from './dry-run-table';
import { RetentionEditor } from './retention-editor';
import type { RetentionDryRun, RetentionPolicy } from './types';

export function RetentionTab() {
  const live = useLive(() => get<RetentionPolicy>('/v1/privacy/retention'), 'retention', { intervalMs: 30_000 });
  const [run, setRun] = useState<RetentionDryRun>();
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
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
          <div class="retention-actions">
            <button type="button" class="dash-button" disabled={busy || !policy || empty || editing} onClick={() => void dryRun()}>
              {busy ? 'Counting…' : 'Dry run'}
            </button>
            <button
              type="button"
              class="dash-button dash-button-primary"
              disabled={!policy || editing}
              onClick={() => {
                setEditing(true);
                setSaved(false);
              }}
            >
              Edit policy
            </button>
          </div>
        </header>
        {!policy && live.error && <Failed error={live.error} what="retention policy" />}
        {!policy && !live.error && <Loading what="retention policy" />}
        {saved && (
          <p class="dash-ok" role="status">
            Policy saved; the change is in the audit log.
          </p>
        )}
        {empty && <p class="dash-empty">No policy: everything is kept.</p>}
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
        {run && !editing && <DryRunTable run={run} title="If it ran now" label="Dry run" />}
      </section>
      {editing && policy && (
        <RetentionEditor
          policy={policy}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setSaved(true);
            setRun(undefined);
            live.refresh();
          }}
        />
      )}
    </>
  );
}
