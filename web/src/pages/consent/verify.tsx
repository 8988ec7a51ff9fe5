/**
 * Verify and repair: every profile's consent projection rebuilt from its ledger records
 * and compared (POST /v1/consents/verify); the disagreeing ones listed, and set to what
 * the ledger says only when asked.
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../../api';
import { count } from '../../charts/states';
import type { ProjectionCheck } from './types';

export function VerifyCard({ onRepaired }: { onRepaired?: () => void }) {
  const [result, setResult] = useState<ProjectionCheck>();
  const [busy, setBusy] = useState<'check' | 'repair'>();
  const [error, setError] = useState<string>();

  const run = async (repair: boolean) => {
    setBusy(repair ? 'repair' : 'check');
    setError(undefined);
    try {
      const check = await api<ProjectionCheck>('POST', '/v1/consents/verify', { json: { repair } });
      setResult(check);
      // The counts now read the repaired profiles.
      if (check.repaired && check.disagreeing.length > 0) onRepaired?.();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="dash-card" aria-labelledby="verify-title">
      <header class="dash-card-header">
        <h2 id="verify-title">Verify and repair</h2>
        <div class="dash-actions">
          <button type="button" class="dash-button" disabled={busy !== undefined} onClick={() => void run(false)}>
            {busy === 'check' ? 'Checking…' : 'Check projections'}
          </button>
          {result && !result.repaired && result.disagreeing.length > 0 && (
            <button type="button" class="dash-button" disabled={busy !== undefined} onClick={() => void run(true)}>
              {busy === 'repair' ? 'Repairing…' : `Repair ${result.disagreeing.length}`}
            </button>
          )}
        </div>
      </header>
      <p class="dash-muted">
        Rebuilds each person's consent from their ledger records and compares it with what their profile holds (what journeys read). Repair
        sets the profile to what the ledger says; the ledger is never changed.
      </p>
      {error && (
        <p class="dash-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div role="status" aria-label="Verification result" class="consent-verify-result">
          <p>
            {count(result.profiles)} profiles and {count(result.records)} records checked:{' '}
            {result.disagreeing.length === 0 ? (
              <strong>every projection agrees with the ledger.</strong>
            ) : (
              <strong>
                {result.disagreeing.length} {result.disagreeing.length === 1 ? 'profile disagrees' : 'profiles disagree'}
                {result.repaired ? ', repaired.' : '.'}
              </strong>
            )}
          </p>
          {result.disagreeing.length > 0 && (
            <ul class="dash-chips" aria-label={result.repaired ? 'Repaired profiles' : 'Disagreeing profiles'}>
              {result.disagreeing.slice(0, 50).map((id) => (
                <li key={id}>
                  <code>{id}</code>
                </li>
              ))}
              {result.disagreeing.length > 50 && <li>and {result.disagreeing.length - 50} more</li>}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
