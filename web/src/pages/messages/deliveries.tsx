/**
 * Messages → Deliveries: every message Itinera recorded, with a chart of what became of
 * them per day (sent, failed, bounced, unsubscribed) and the list, newest first, filtered
 * by journey, status and days. The filters live in the URL (`/messages/deliveries?journey=…
 * &status=…&from=…&to=…`), so a filtered view can be shared and Back returns to it. The
 * chart and the list read counters and index documents by id (docs/console.md, "Messages —
 * deliveries"), never the whole collection.
 */
import { useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { get } from '../../api';
import { UpdatedAgo, useLive } from '../../charts/live';
import { Empty, Failed, Loading } from '../../charts/states';
import type { JourneyList } from '../journeys/types';
import { DeliveriesChart } from './deliveries-chart';
import { DeliveriesTable } from './deliveries-list';
import { STATUS_FILTERS, type DeliveryList, type DeliveryStats } from './deliveries-types';
import '../dashboards.css';

const PAGE_SIZE = 25;
/** The chart moves by the day, the list by the message: both re-read on a calm timer. */
const STATS_MS = 60_000;
const LIST_MS = 30_000;
const FILTERS = ['journey', 'status', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Filters;
}

function queryOf(filters: Partial<Filters>, names: readonly (keyof Filters)[]): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of names) if (filters[name]) query.set(name, filters[name]);
  return query;
}

export function Deliveries() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const filters = filtersOf(search);
  const [typed, setTyped] = useState<{ search: string; filters: Filters }>({ search, filters });
  // The URL changed under the form (Back, a shared link): the form follows it.
  const form = typed.search === search ? typed.filters : filters;
  /** Cursors of the pages before the one shown (Newer goes back to them). */
  const [pages, setPages] = useState<{ search: string; cursors: (string | null)[] }>({ search, cursors: [null] });
  const cursors = pages.search === search ? pages.cursors : [null];
  const cursor = cursors.at(-1) ?? null;

  const statsQuery = queryOf(filters, ['journey', 'from', 'to']).toString();
  const listQuery = queryOf(filters, FILTERS);
  listQuery.set('limit', String(PAGE_SIZE));
  if (cursor) listQuery.set('cursor', cursor);
  const statsPath = `/v1/delivery-stats${statsQuery ? `?${statsQuery}` : ''}`;
  const listPath = `/v1/deliveries?${listQuery.toString()}`;

  const journeys = useLive(() => get<JourneyList>('/v1/journeys'), 'journeys', { intervalMs: 5 * 60_000 });
  const stats = useLive(() => get<DeliveryStats>(statsPath), statsPath, { intervalMs: STATS_MS });
  const list = useLive(() => get<DeliveryList>(listPath), listPath, { intervalMs: LIST_MS });

  const apply = (event: Event) => {
    event.preventDefault();
    const query = queryOf(form, FILTERS).toString();
    navigate(`/messages/deliveries${query ? `?${query}` : ''}`);
  };
  const field = (name: keyof Filters) => ({
    name,
    value: form[name],
    onInput: (event: Event) =>
      setTyped({ search, filters: { ...form, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value } }),
  });
  const filtered = FILTERS.some((name) => filters[name]);
  const journeyNames = journeys.data?.journeys.map((j) => j.name) ?? [];
  if (filters.journey && !journeyNames.includes(filters.journey)) journeyNames.push(filters.journey);

  return (
    <section class="dash-page deliveries" aria-labelledby="deliveries-title">
      <header class="dash-header">
        <div>
          <h2 id="deliveries-title" class="deliveries-title">
            Deliveries
          </h2>
          <p class="dash-subtitle">Every message journeys, broadcasts and confirmations sent, and what became of it.</p>
        </div>
        <UpdatedAgo at={list.updatedAt} error={list.error} intervalMs={LIST_MS} />
      </header>

      <form class="dash-search consent-filters deliveries-filters" aria-label="Filter the messages" onSubmit={apply}>
        <label>
          Journey
          <select {...field('journey')}>
            <option value="">All journeys</option>
            {journeyNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select {...field('status')}>
            <option value="">Any status</option>
            {STATUS_FILTERS.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" {...field('from')} />
        </label>
        <label>
          To
          <input type="date" {...field('to')} />
        </label>
        <button type="submit">Filter</button>
        {filtered && (
          <button type="button" class="dash-button-quiet" onClick={() => navigate('/messages/deliveries')}>
            Clear
          </button>
        )}
      </form>

      <section class="dash-card" aria-labelledby="deliveries-chart-title">
        <header class="dash-card-header">
          <h3 id="deliveries-chart-title">Over time</h3>
          {filters.status && <span class="dash-muted">The chart counts every status; the status filter applies to the list.</span>}
        </header>
        {stats.data && <DeliveriesChart stats={stats.data} scope={filters.journey ? `Journey ${filters.journey}` : 'All messages'} />}
        {!stats.data && stats.error && <Failed error={stats.error} what="messages over time" />}
        {!stats.data && !stats.error && <Loading what="messages over time" />}
      </section>

      <section class="dash-card" aria-labelledby="deliveries-list-title">
        <header class="dash-card-header">
          <h3 id="deliveries-list-title">Messages</h3>
          <span class="dash-muted">Newest first, {PAGE_SIZE} a page</span>
        </header>
        {!list.data && list.error && <Failed error={list.error} what="messages" />}
        {!list.data && !list.error && <Loading what="messages" />}
        {list.data && list.error && (
          <p class="dash-error-inline" role="alert">
            Could not refresh: {list.error.message}. Showing the last figures.
          </p>
        )}
        {list.data && list.data.deliveries.length === 0 && (
          <Empty>
            {list.data.partial
              ? 'None of the messages read so far match; the search goes on with Older.'
              : filtered || cursor
                ? 'No message matches these filters.'
                : 'No messages in the last 30 days. Journeys and broadcasts that send e-mail or webhooks record each message here.'}
          </Empty>
        )}
        {list.data && list.data.deliveries.length > 0 && (
          <DeliveriesTable deliveries={list.data.deliveries} personal={list.data.personal} />
        )}
        {list.data && list.data.partial && list.data.deliveries.length > 0 && (
          <p class="dash-muted">
            Fewer than a page matched among the {list.data.scanned.toLocaleString('en')} messages read; Older goes on.
          </p>
        )}
        {list.data && (cursors.length > 1 || list.data.nextCursor) && (
          <nav class="dash-pager" aria-label="Message pages">
            <button type="button" disabled={cursors.length <= 1} onClick={() => setPages({ search, cursors: cursors.slice(0, -1) })}>
              Newer
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={!list.data.nextCursor}
              onClick={() => setPages({ search, cursors: [...cursors, list.data!.nextCursor] })}
            >
              Older
            </button>
          </nav>
        )}
      </section>
    </section>
  );
}
