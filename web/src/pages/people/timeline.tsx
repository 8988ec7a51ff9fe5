/**
 * A person's events, newest first, a page at a time ("Show older" continues from the last
 * one shown), filtered by event name (the catalogue's names are offered). Where it happened
 * (the page) and on what (device, browser) are shown to roles that see personal data; a
 * viewer sees what happened and when.
 */
import { useEffect, useState } from 'preact/hooks';
import { describeError, get } from '../../api';
import { Empty, Loading, when } from '../../charts/states';
import type { TimelineEvent, TimelinePage } from './types';

const PAGE_SIZE = 20;

export function Timeline({ id, personal }: { id: string; personal: boolean }) {
  const [filter, setFilter] = useState('');
  const [typed, setTyped] = useState('');
  const [events, setEvents] = useState<TimelineEvent[]>();
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [names, setNames] = useState<string[]>([]);

  useEffect(() => {
    get<{ events: { name: string }[] }>('/v1/catalog').then(
      (catalog) => setNames(catalog.events.map((event) => event.name).sort()),
      () => setNames([]),
    );
  }, []);

  const read = async (cursor: string | null, append: boolean) => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filter) query.set('event', filter);
    if (cursor) query.set('cursor', cursor);
    setBusy(true);
    setProblem(undefined);
    try {
      const page = await get<TimelinePage>(`/v1/people/${encodeURIComponent(id)}/events?${query.toString()}`);
      setEvents((previous) => (append && previous ? [...previous, ...page.events] : page.events));
      setNext(page.nextCursor);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setEvents(undefined);
    void read(null, false);
  }, [id, filter]);

  return (
    <section class="dash-card" aria-labelledby="timeline-title">
      <header class="dash-card-header">
        <h2 id="timeline-title">Timeline</h2>
      </header>
      <form
        class="dash-search"
        role="search"
        aria-label="Filter the timeline"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(typed.trim());
        }}
      >
        <label>
          Event name
          <input
            type="search"
            list="people-event-names"
            value={typed}
            placeholder="every event"
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
          <datalist id="people-event-names">
            {names.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <button type="submit">Filter</button>
        {filter && (
          <button
            type="button"
            class="dash-button-quiet"
            onClick={() => {
              setTyped('');
              setFilter('');
            }}
          >
            Every event
          </button>
        )}
      </form>
      {problem && (
        <div class="dash-error" role="alert">
          <strong>Could not load the timeline.</strong> {problem}
        </div>
      )}
      {!events && !problem && <Loading what="timeline" />}
      {events && events.length === 0 && <Empty>{filter ? `No “${filter}” events.` : 'No events.'}</Empty>}
      {events && events.length > 0 && (
        <table class="dash-table people-timeline" aria-label="Events">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              {personal && <th scope="col">Page</th>}
              {personal && <th scope="col">Device</th>}
              {personal && <th scope="col">Properties</th>}
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id}>
                <td class="people-when">{when(event.timestamp)}</td>
                <th scope="row">
                  {event.event ?? event.name ?? event.type}
                  {event.type !== 'track' && <span class="dash-name">{event.type}</span>}
                </th>
                {personal && <td class="people-value">{pageText(event)}</td>}
                {personal && <td class="people-value">{deviceText(event)}</td>}
                {personal && <td class="people-value people-properties">{propertiesText(event)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!personal && <p class="dash-muted people-note">Pages, devices and properties are not shown to viewers.</p>}
      {next && (
        <div class="dash-actions">
          <button type="button" disabled={busy} onClick={() => void read(next, true)}>
            Show older
          </button>
        </div>
      )}
    </section>
  );
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

function pageText(event: TimelineEvent): string {
  return text(event.page?.url) ?? text(event.page?.path) ?? text(event.page?.title) ?? '—';
}

function deviceText(event: TimelineEvent): string {
  const device = [text(event.device?.type), text(event.device?.model), text(event.os?.name)].filter(Boolean).join(' · ');
  if (device) return device;
  return event.userAgent ? browserOf(event.userAgent) : '—';
}

/** A short name for a user agent: the browser and the system it says it runs on. */
function browserOf(agent: string): string {
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrome\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : 'a browser';
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : '';
  return system ? `${browser} on ${system}` : browser;
}

function propertiesText(event: TimelineEvent): string {
  const properties = event.properties ?? {};
  const entries = Object.entries(properties);
  if (entries.length === 0) return '—';
  return entries.map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ');
}
