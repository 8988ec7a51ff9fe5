/**
 * One journey: its steps as a diagram with live counts, for one rules version at a time
 * (the active one first: a run keeps the version it started with, so older versions
 * still have people on their way), how runs ended, who was not let in, and the messages
 * sent. Pause and resume stop and restart new entries.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ApiError, get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { count, Empty, Failed, Loading } from '../../charts/states';
import { JourneyDiagram } from '../../diagram/journey-diagram';
import { canEditRules, useSession } from '../../session';
import { JourneyStatus } from './list';
import { byActiveThenNewest, sumOf } from './totals';
import type { JourneyDetail, JourneyList, JourneyVersion } from './types';
import '../dashboards.css';

export function JourneyPage({ name }: { name: string }) {
  const { user } = useSession();
  const live = useLive(() => get<JourneyDetail>(`/v1/journeys/${encodeURIComponent(name)}`), name);
  const [chosen, setChosen] = useState<number>();
  const journey = live.data;
  const listedTitle = useListedTitle(name);
  const title = journey?.title ?? listedTitle;
  const versions = [...(journey?.versions ?? [])].sort(byActiveThenNewest);
  const version = versions.find((candidate) => candidate.rulesVersion === chosen) ?? versions[0];

  return (
    <section class="dash-page" aria-labelledby="journey-title">
      <nav class="dash-crumbs" aria-label="Breadcrumb">
        <Link href="/journeys">Journeys</Link> <span aria-hidden="true">›</span>
      </nav>
      {!journey && live.error && <Failed error={live.error} what="journey" />}
      {!journey && !live.error && <Loading what="journey" />}
      {journey && (
        <>
          <header class="dash-header">
            <div>
              <h1 id="journey-title">
                {title ?? journey.name} <JourneyStatus deployed={journey.deployed} paused={journey.paused} />
              </h1>
              <p class="dash-subtitle">
                <code>{journey.name}</code>
              </p>
            </div>
            <div class="dash-header-side">
              {canEditRules(user.role) && journey.deployed && (
                <PauseButton name={journey.name} paused={journey.paused} onDone={live.refresh} />
              )}
              <UpdatedAgo at={live.updatedAt} error={live.error} />
            </div>
          </header>
          {versions.length === 0 && <Empty>Nobody has entered this journey yet.</Empty>}
          {version && (
            <>
              <div class="dash-toolbar">
                <label class="dash-select dash-select-inline">
                  Rules version
                  <select value={String(version.rulesVersion)} onChange={(event) => setChosen(Number(event.currentTarget.value))}>
                    {versions.map((candidate) => (
                      <option key={candidate.rulesVersion} value={String(candidate.rulesVersion)}>
                        version {candidate.rulesVersion}
                        {candidate.active ? ' (active)' : ''} · {count(candidate.running)} running
                      </option>
                    ))}
                  </select>
                </label>
                <VersionFigures version={version} />
              </div>
              <div class="dash-split">
                <section class="dash-card dash-diagram-card" aria-labelledby="diagram-title">
                  <header class="dash-card-header">
                    <h2 id="diagram-title">Steps</h2>
                    <span class="dash-muted">
                      Drawn from the rules; edit them in <Link href="/rules">Rules</Link>.
                    </span>
                  </header>
                  {version.diagram ? (
                    <JourneyDiagram
                      nodes={version.diagram.nodes}
                      label={`Steps of ${title ?? journey.name}, version ${version.rulesVersion}`}
                    />
                  ) : (
                    <Empty>No diagram for this version.</Empty>
                  )}
                </section>
                <aside class="dash-side">
                  <Breakdown title="Outcomes" counts={version.ended} empty="No run has ended yet." />
                  <Breakdown title="Not let in" counts={version.refused} empty="Nobody was refused." />
                  <Breakdown title="Messages" counts={version.messages} empty="No messages sent yet." />
                </aside>
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}

function VersionFigures({ version }: { version: JourneyVersion }) {
  const figures: [string, number][] = [
    ['Entered', version.entered],
    ['Running', version.running],
    ['Ended', sumOf(version.ended)],
    ['Not let in', sumOf(version.refused)],
    ['Messages', sumOf(version.messages)],
  ];
  return (
    <dl class="dash-stats dash-stats-compact">
      {figures.map(([label, value]) => (
        <div class="dash-stat" key={label}>
          <dt class="dash-stat-label">{label}</dt>
          <dd class="dash-stat-value">{count(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The journey's title, which the journey's own answer lacks: read once from the list
 * (the detail is read every few seconds, the title does not change between deploys).
 */
function useListedTitle(name: string): string | undefined {
  const listed = useLive(() => get<JourneyList>('/v1/journeys'), `title:${name}`, { intervalMs: 600_000 });
  return listed.data?.journeys.find((journey) => journey.name === name)?.title;
}

/** Counts by key as bars, largest first. */
function Breakdown({ title, counts, empty }: { title: string; counts: Record<string, number>; empty: string }) {
  const entries = Object.entries(counts)
    .filter(([, value]) => value > 0)
    .sort(([, a], [, b]) => b - a);
  const largest = Math.max(1, ...entries.map(([, value]) => value));
  const id = `breakdown-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="dash-card dash-breakdown" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {entries.length === 0 ? (
        <p class="dash-muted">{empty}</p>
      ) : (
        <table class="dash-bars">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td class="dash-num">{count(value)}</td>
                <td class="dash-bar-cell" aria-hidden="true">
                  <span style={{ width: `${(value / largest) * 100}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PauseButton({ name, paused, onDone }: { name: string; paused: boolean; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/v1/journeys/${encodeURIComponent(name)}/${paused ? 'resume' : 'pause'}`);
      onDone();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.code === 'forbidden' ? 'Your role may not pause journeys.' : (failure as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="dash-pause">
      <button type="button" class={paused ? 'dash-button-primary' : ''} onClick={act} disabled={busy}>
        {paused ? 'Resume' : 'Pause'}
      </button>
      {error && (
        <span class="dash-error-inline" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
