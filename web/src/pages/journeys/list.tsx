/** Journeys: each journey with how many people entered, are on their way, and finished. */
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { count, Empty, Failed, Loading } from '../../charts/states';
import { totals } from './totals';
import type { JourneyList } from './types';
import '../dashboards.css';

export function JourneysPage() {
  const live = useLive(() => get<JourneyList>('/v1/journeys'), 'journeys');
  const journeys = live.data?.journeys;
  return (
    <section class="dash-page" aria-labelledby="journeys-title">
      <header class="dash-header">
        <div>
          <h1 id="journeys-title">Journeys</h1>
          <p class="dash-subtitle">Counts over every rules version</p>
        </div>
        <UpdatedAgo at={live.updatedAt} error={live.error} />
      </header>
      {!journeys && live.error && <Failed error={live.error} what="journeys" />}
      {!journeys && !live.error && <Loading what="journeys" />}
      {journeys && journeys.length === 0 && (
        <Empty>
          No journeys yet. Write one in the <Link href="/rules">rules</Link> (<code>journey name "Title" {'{ … }'}</code>) and deploy.
        </Empty>
      )}
      {journeys && journeys.length > 0 && (
        <div class="dash-card dash-card-flush">
          <table class="dash-table">
            <thead>
              <tr>
                <th scope="col">Journey</th>
                <th scope="col">Status</th>
                <th scope="col" class="dash-num">
                  Entered
                </th>
                <th scope="col" class="dash-num">
                  Running
                </th>
                <th scope="col" class="dash-num">
                  Ended
                </th>
              </tr>
            </thead>
            <tbody>
              {journeys.map((journey) => {
                const sum = totals(journey);
                return (
                  <tr key={journey.name}>
                    <th scope="row">
                      <Link href={`/journeys/${encodeURIComponent(journey.name)}`} class="dash-row-link">
                        {journey.title ?? journey.name}
                      </Link>
                      {journey.title && <span class="dash-name">{journey.name}</span>}
                    </th>
                    <td>
                      <JourneyStatus deployed={journey.deployed} paused={journey.paused} />
                    </td>
                    <td class="dash-num">{count(sum.entered)}</td>
                    <td class="dash-num">{count(sum.running)}</td>
                    <td class="dash-num">{count(sum.ended)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function JourneyStatus({ deployed, paused }: { deployed: boolean; paused: boolean }) {
  if (!deployed) return <span class="dash-badge dash-badge-muted">not deployed</span>;
  if (paused) return <span class="dash-badge dash-badge-paused">paused</span>;
  return <span class="dash-badge dash-badge-ready">live</span>;
}
