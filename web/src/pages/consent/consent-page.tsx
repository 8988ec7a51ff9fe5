/**
 * Consent: per purpose the active rules declare, how many people stand where now
 * (GET /v1/consents) and the records written per day (GET /v1/consent-stats); the ledger,
 * filtered and downloadable; and the check of every profile against its ledger. For the
 * roles that may read consents (admin, privacy).
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { count, Empty, Failed, Loading } from '../../charts/states';
import { ConsentChart } from './consent-chart';
import { Ledger } from './ledger';
import type { ConsentStats, Tallies } from './types';
import { VerifyCard } from './verify';
import '../dashboards.css';

const NOW_STATES = ['granted', 'denied', 'revoked', 'expired', 'pending'] as const;
/**
 * The tallies read every profile (one pass, GET /v1/consents) and the chart moves by the
 * day: slower than the 5 s of the dashboards, which read documents by id.
 */
const TALLY_MS = 30_000;
const STATS_MS = 60_000;

export function ConsentPage() {
  const tallies = useLive(() => get<Tallies>('/v1/consents'), 'consents', { intervalMs: TALLY_MS });
  const stats = useLive(() => get<ConsentStats>('/v1/consent-stats'), 'consent-stats', { intervalMs: STATS_MS });
  const [chosen, setChosen] = useState<string>();
  const declared = tallies.data?.purposes.filter((p) => p.declared) ?? [];
  const purpose = chosen ?? stats.data?.purposes[0]?.purpose;

  return (
    <section class="dash-page" aria-labelledby="consent-title">
      <header class="dash-header">
        <div>
          <h1 id="consent-title">Consent</h1>
          <p class="dash-subtitle">
            {tallies.data ? `${count(tallies.data.profiles)} profiles · purposes of the active rules` : 'Purposes of the active rules'}
          </p>
        </div>
        <UpdatedAgo at={tallies.updatedAt} error={tallies.error} intervalMs={TALLY_MS} />
      </header>
      {!tallies.data && tallies.error && <Failed error={tallies.error} what="consents" />}
      {!tallies.data && !tallies.error && <Loading what="consents" />}
      {tallies.data && tallies.data.purposes.length === 0 && (
        <Empty>
          No consent purposes yet. Declare one in the <Link href="/rules">rules</Link> (<code>consent email_marketing {'{}'}</code>) and
          deploy.
        </Empty>
      )}
      {tallies.data && tallies.data.purposes.length > 0 && (
        <div class="dash-card dash-card-flush consent-scroll">
          <table class="dash-table" aria-label="Consent now">
            <thead>
              <tr>
                <th scope="col">Purpose</th>
                {NOW_STATES.map((state) => (
                  <th scope="col" class="dash-num" key={state}>
                    {state[0]!.toUpperCase() + state.slice(1)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {tallies.data.purposes.map((p) => (
                <tr key={p.purpose}>
                  <th scope="row">
                    {p.title ?? p.purpose}
                    {p.title && <span class="dash-name">{p.purpose}</span>}
                    {!p.declared && <span class="dash-badge dash-badge-muted">no longer declared</span>}
                  </th>
                  {NOW_STATES.map((state) => (
                    <td class={`dash-num consent-${state}`} key={state}>
                      {count(p[state])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stats.data && stats.data.purposes.length > 0 && purpose && (
        <section class="dash-card" aria-labelledby="over-time-title">
          <header class="dash-card-header">
            <h2 id="over-time-title">Over time</h2>
            <label class="dash-select-inline">
              Purpose{' '}
              <select value={purpose} onChange={(event) => setChosen(event.currentTarget.value)}>
                {stats.data.purposes.map((p) => (
                  <option key={p.purpose} value={p.purpose}>
                    {p.title ?? p.purpose}
                  </option>
                ))}
              </select>
            </label>
          </header>
          <ConsentChart stats={stats.data} purpose={purpose} />
        </section>
      )}
      {!stats.data && stats.error && <Failed error={stats.error} what="consent over time" />}
      <Ledger purposes={declared} />
      <VerifyCard onRepaired={tallies.refresh} />
    </section>
  );
}
