/**
 * One segment: what it is (its declaration), how big it is and how that moved (charts),
 * who is in it (members), and a place to try a change before deploying it. The size and
 * the charts are read again every few seconds.
 */
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { count, Failed, Loading, when } from '../../charts/states';
import { canEditRules, useSession } from '../../session';
import { Members } from './members';
import { DraftPreview } from './preview';
import { SegmentCharts } from './segment-charts';
import { StateBadge } from './state';
import type { SegmentDetail } from './types';
import '../dashboards.css';

export function SegmentPage({ name }: { name: string }) {
  const { user } = useSession();
  const live = useLive(() => get<SegmentDetail>(`/v1/segments/${encodeURIComponent(name)}`), name);
  const segment = live.data;
  return (
    <section class="dash-page" aria-labelledby="segment-title">
      <nav class="dash-crumbs" aria-label="Breadcrumb">
        <Link href="/segments">Segments</Link> <span aria-hidden="true">›</span>
      </nav>
      {!segment && live.error && <Failed error={live.error} what="segment" />}
      {!segment && !live.error && <Loading what="segment" />}
      {segment && (
        <>
          <header class="dash-header">
            <div>
              <h1 id="segment-title">{segment.title ?? segment.name}</h1>
              <p class="dash-subtitle">
                <code>{segment.name}</code> · computed {when(segment.computedAt)}
              </p>
            </div>
            <UpdatedAgo at={live.updatedAt} error={live.error} />
          </header>
          <div class="dash-stats">
            <div class="dash-stat">
              <span class="dash-stat-label" id="segment-size-label">
                Size
              </span>
              <span class="dash-stat-value" aria-labelledby="segment-size-label" data-testid="segment-size">
                {count(segment.size)}
              </span>
            </div>
            <div class="dash-stat">
              <span class="dash-stat-label">State</span>
              <span class="dash-stat-value dash-stat-small">
                <StateBadge state={segment.state} progress={segment.progress} />
              </span>
            </div>
            <Related label="Depends on" names={segment.dependsOn ?? []} href={(other) => `/segments/${encodeURIComponent(other)}`} />
            <Related
              label="Used by segments"
              names={segment.usedBy?.segments ?? []}
              href={(other) => `/segments/${encodeURIComponent(other)}`}
            />
            <Related
              label="Used by journeys"
              names={segment.usedBy?.journeys ?? []}
              href={(other) => `/journeys/${encodeURIComponent(other)}`}
            />
            <Related label="Sent to by broadcasts" names={segment.usedBy?.broadcasts ?? []} />
          </div>
          <SegmentCharts name={segment.name} size={segment.size} refreshedAt={live.updatedAt} />
          {segment.source && (
            <section class="dash-card" aria-labelledby="definition-title">
              <header class="dash-card-header">
                <h2 id="definition-title">Definition</h2>
                <Link href="/rules" class="dash-muted">
                  Edit in Rules
                </Link>
              </header>
              <pre class="dash-source" aria-labelledby="definition-title">
                {segment.source}
              </pre>
            </section>
          )}
          <Members name={segment.name} size={segment.size} refreshedAt={live.updatedAt} />
          {canEditRules(user.role) && <DraftPreview initial={segment.source ?? ''} currentSizes={{ [segment.name]: segment.size }} />}
        </>
      )}
    </section>
  );
}

/** Names that relate to the segment; each a link when it has a page (broadcasts have none yet). */
function Related({ label, names, href }: { label: string; names: string[]; href?: (name: string) => string }) {
  if (names.length === 0) return null;
  return (
    <div class="dash-stat">
      <span class="dash-stat-label">{label}</span>
      <span class="dash-stat-links">
        {names.map((other) =>
          href ? (
            <Link key={other} href={href(other)}>
              {other}
            </Link>
          ) : (
            <span key={other}>{other}</span>
          ),
        )}
      </span>
    </div>
  );
}
