/**
 * Segments: every segment of the active rules with its size, state and a two-week trend,
 * read again every few seconds so sizes move as events arrive, without reloading.
 */
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { Sparkline } from '../../charts/sparkline';
import { count, Empty, Failed, Loading } from '../../charts/states';
import { StateBadge } from './state';
import type { SegmentList } from './types';
import '../dashboards.css';

export function SegmentsPage() {
  const live = useLive(() => get<SegmentList>('/v1/segments'), 'segments');
  const list = live.data;
  return (
    <section class="dash-page" aria-labelledby="segments-title">
      <header class="dash-header">
        <div>
          <h1 id="segments-title">Segments</h1>
          <p class="dash-subtitle">{list?.version ? `From rules version ${list.version}` : 'From the active rules'}</p>
        </div>
        <UpdatedAgo at={live.updatedAt} error={live.error} />
      </header>
      {!list && live.error && <Failed error={live.error} what="segments" />}
      {!list && !live.error && <Loading what="segments" />}
      {list && list.segments.length === 0 && (
        <Empty>
          No segments yet. Declare one in the <Link href="/rules">rules</Link> (<code>segment name "Title" = …</code>) and deploy.
        </Empty>
      )}
      {list && list.segments.length > 0 && (
        <div class="dash-card dash-card-flush">
          <table class="dash-table">
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col" class="dash-num">
                  Size
                </th>
                <th scope="col">State</th>
                <th scope="col">Last 14 days</th>
              </tr>
            </thead>
            <tbody>
              {list.segments.map((segment) => (
                <tr key={segment.name}>
                  <th scope="row">
                    <Link href={`/segments/${encodeURIComponent(segment.name)}`} class="dash-row-link">
                      {segment.title ?? segment.name}
                    </Link>
                    {segment.title && <span class="dash-name">{segment.name}</span>}
                  </th>
                  <td class="dash-num dash-size">{count(segment.size)}</td>
                  <td>
                    <StateBadge state={segment.state} progress={segment.progress} />
                  </td>
                  <td>
                    <Sparkline points={segment.trend ?? []} label={`${segment.title ?? segment.name}, size`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
