/**
 * One person, whole: identifiers, traits, tags, consents and their history, segments with
 * since and why, journey runs with the step each is at, messages with their status
 * history, the timeline, and the merges that made the profile. Read once when opened
 * (GET /v1/people/:id records the opening in the audit log, so the page does not poll;
 * "Reload" reads again). What a viewer may not see the server leaves out, and the page
 * says so. Admins and privacy officers have the actions (actions.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { get } from '../../api';
import { Empty, Failed, Loading, when } from '../../charts/states';
import { useSession } from '../../session';
import { Actions, canHandlePrivacy, RectifyTrait } from './actions';
import { shown } from './format';
import { useStepLabels } from './step-labels';
import { Timeline } from './timeline';
import { KIND_NAMES, type Message, type Person, type SegmentReason } from './types';
import '../dashboards.css';
import './people.css';

const NOT_FOR_VIEWERS = 'Not shown to viewers: personal data.';

export function PersonPage({ id }: { id: string }) {
  const { user } = useSession();
  const [person, setPerson] = useState<Person>();
  const [error, setError] = useState<Error>();
  const [reads, setReads] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setError(undefined);
    get<Person>(`/v1/people/${encodeURIComponent(id)}`).then(
      (answer) => !cancelled && setPerson(answer),
      (failure: Error) => !cancelled && setError(failure),
    );
    return () => {
      cancelled = true;
    };
  }, [id, reads]);

  const title = person ? (displayName(person) ?? person.id) : id;
  const actions = canHandlePrivacy(user.role);
  return (
    <section class="dash-page people-page" aria-labelledby="person-title">
      <nav class="dash-crumbs" aria-label="Breadcrumb">
        <Link href="/people">People</Link> <span aria-hidden="true">›</span>
      </nav>
      {!person && error && <Failed error={error} what="person" />}
      {!person && !error && <Loading what="person" />}
      {person && (
        <>
          <header class="dash-header">
            <div>
              <h1 id="person-title">
                {title}
                {person.restricted && <span class="dash-badge dash-badge-paused">restricted</span>}
              </h1>
              <p class="dash-subtitle">
                <code>{person.id}</code> · first seen {when(person.firstSeenAt)} · last seen {when(person.lastSeenAt)}
              </p>
            </div>
            <div class="dash-header-side">
              <button type="button" onClick={() => setReads((n) => n + 1)}>
                Reload
              </button>
              <p class="dash-muted">Opening a person is recorded in the audit log.</p>
            </div>
          </header>
          {person.restricted && (
            <p class="dash-error people-restricted" role="status">
              Processing restricted since {when(person.restricted.since)}
              {person.restricted.reason ? ` (${person.restricted.reason})` : ''}: no journey, message or segment until lifted.
            </p>
          )}

          <div class="people-grid">
            <Card id="identifiers" title="Identifiers">
              {!person.personal ? (
                <Empty>{NOT_FOR_VIEWERS}</Empty>
              ) : (
                <>
                  <ul class="dash-chips people-identifiers" aria-label="Identifiers">
                    {(person.identifiers ?? []).map(({ kind, value }) => (
                      <li key={`${kind}:${value}`}>
                        <span class="dash-chip-kind">{KIND_NAMES[kind] ?? kind}</span> {value}
                      </li>
                    ))}
                  </ul>
                  <p class="dash-muted people-note">Where each identifier came from is not stored.</p>
                </>
              )}
            </Card>

            <Card id="tags" title="Tags">
              {person.tags.length === 0 ? (
                <p class="dash-muted">No tags.</p>
              ) : (
                <ul class="dash-chips" aria-label="Tags">
                  {person.tags.map((tag) => (
                    <li key={tag}>{tag}</li>
                  ))}
                </ul>
              )}
              {person.merges.length > 0 || person.mergedFrom.length > 0 ? (
                <Merges person={person} />
              ) : (
                <p class="dash-muted people-note">No other profile was merged into this one.</p>
              )}
            </Card>
          </div>

          <div class="people-columns">
            <div class="people-column">
              <Card id="traits" title="Traits">
                {!person.personal ? (
                  <Empty>{NOT_FOR_VIEWERS}</Empty>
                ) : (
                  <>
                    <Traits traits={person.traits ?? {}} />
                    <p class="dash-muted people-note">When each trait last changed is not kept; the timeline shows the identify calls.</p>
                    {actions && (
                      <RectifyTrait
                        person={person}
                        onRectified={(traits) => setPerson((current) => (current ? { ...current, traits } : current))}
                      />
                    )}
                  </>
                )}
              </Card>
            </div>
            <div class="people-column">
              <Card id="consents" title="Consents">
                <Consents person={person} />
              </Card>
              <Card id="segments" title="Segments">
                {person.segments.length === 0 ? (
                  <p class="dash-muted">In no segment.</p>
                ) : (
                  <table class="dash-table" aria-label="Segments">
                    <thead>
                      <tr>
                        <th scope="col">Segment</th>
                        <th scope="col">Since</th>
                        <th scope="col">Why</th>
                      </tr>
                    </thead>
                    <tbody>
                      {person.segments.map((segment) => (
                        <tr key={segment.name}>
                          <th scope="row">
                            <Link href={`/segments/${encodeURIComponent(segment.name)}`}>{segment.title ?? segment.name}</Link>
                          </th>
                          <td>{when(segment.since)}</td>
                          <td>{segment.why ? reasonText(segment.why) : <span class="dash-muted">—</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </div>
          </div>

          <Card id="journeys" title="Journeys">
            <Journeys person={person} />
          </Card>

          <Card id="messages" title="Messages">
            <Messages messages={person.messages} personal={person.personal} />
          </Card>

          <Timeline id={person.id} personal={person.personal} />

          {actions && (
            <Actions
              person={person}
              onRestricted={(restricted) =>
                setPerson((current) => {
                  if (!current) return current;
                  const { restricted: _old, ...rest } = current;
                  return restricted ? { ...rest, restricted } : rest;
                })
              }
            />
          )}
        </>
      )}
    </section>
  );
}

function Card({ id, title, children }: { id: string; title: string; children: preact.ComponentChildren }) {
  return (
    <section class="dash-card" aria-labelledby={`${id}-title`}>
      <header class="dash-card-header">
        <h2 id={`${id}-title`}>{title}</h2>
      </header>
      {children}
    </section>
  );
}

function displayName(person: Person): string | undefined {
  const traits = person.traits ?? {};
  if (typeof traits.name === 'string' && traits.name) return traits.name;
  const parts = [traits.firstName, traits.lastName].filter((part): part is string => typeof part === 'string' && part !== '');
  if (parts.length > 0) return parts.join(' ');
  return person.identifiers?.find((identifier) => identifier.kind === 'email')?.value;
}

function Traits({ traits }: { traits: Record<string, unknown> }) {
  const entries = Object.entries(traits).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="dash-muted">No traits.</p>;
  return (
    <table class="dash-table people-traits" aria-label="Traits">
      <thead>
        <tr>
          <th scope="col">Trait</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td class="people-value">{shown(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Consents({ person }: { person: Person }) {
  return (
    <>
      {person.consents.length === 0 ? (
        <p class="dash-muted">No consent purposes declared or recorded.</p>
      ) : (
        <table class="dash-table" aria-label="Consents">
          <thead>
            <tr>
              <th scope="col">Purpose</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {person.consents.map((consent) => (
              <tr key={consent.purpose}>
                <th scope="row">
                  <code>{consent.purpose}</code>
                </th>
                <td>
                  <span class={`dash-badge ${consent.state === 'granted' ? 'dash-badge-ready' : 'dash-badge-muted'}`}>{consent.state}</span>
                </td>
                <td>{when(consent.since)}</td>
                <td>{when(consent.expiresAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {person.consentHistory ? (
        person.consentHistory.length > 0 && (
          <details class="people-details">
            <summary>History ({person.consentHistory.length})</summary>
            <ol class="people-history" aria-label="Consent history">
              {person.consentHistory.map((record) => (
                <li key={record.id}>
                  {when(record.at)} · <code>{record.purpose}</code> <strong>{record.state}</strong> · {record.origin}
                  {record.method ? `, ${record.method}` : ''}
                </li>
              ))}
            </ol>
          </details>
        )
      ) : (
        <p class="dash-muted people-note">The history (with its proof) is not shown to viewers.</p>
      )}
    </>
  );
}

function reasonText(reason: SegmentReason): string {
  switch (reason.kind) {
    case 'event':
      return 'an event';
    case 'time window':
      return 'a time window moved';
    case 'rules deployed':
      return `rules version ${reason.version ?? '?'} deployed`;
    case 'merge':
      return `merged with ${reason.profileId ?? 'another profile'}`;
    case 'restriction':
      return 'restriction changed';
    case 'profile update':
      return 'a tag, trait or consent changed';
    default:
      return reason.kind;
  }
}

function Journeys({ person }: { person: Person }) {
  const labels = useStepLabels(person.journeys);
  if (person.journeys.length === 0 && person.journeyHistory.length === 0) return <p class="dash-muted">Never in a journey.</p>;
  return (
    <>
      {person.journeys.length > 0 && (
        <table class="dash-table" aria-label="Journey runs">
          <thead>
            <tr>
              <th scope="col">Journey</th>
              <th scope="col">Entered</th>
              <th scope="col">At step</th>
              <th scope="col">Waiting for</th>
            </tr>
          </thead>
          <tbody>
            {person.journeys.map((run) => (
              <tr key={`${run.journey}:${run.enteredAt}`}>
                <th scope="row">
                  <Link href={`/journeys/${encodeURIComponent(run.journey)}`}>{run.journey}</Link>{' '}
                  <span class="dash-muted">v{run.rulesVersion}</span>
                </th>
                <td>{when(run.enteredAt)}</td>
                <td>
                  {run.state === 'unknown' ? (
                    <span class="dash-muted">the run did not answer</span>
                  ) : run.step ? (
                    <>
                      {labels.get(`${run.journey}@${run.rulesVersion}:${run.step}`) ?? ''} <code class="dash-muted">{run.step}</code>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{run.waiting ? `${run.waiting.reason}, until ${when(run.waiting.until)}` : <span class="dash-muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {person.journeyHistory.length > 0 && (
        <p class="dash-muted people-note">
          Entered so far:{' '}
          {person.journeyHistory.map((entry, index) => (
            <span key={entry.journey}>
              {index > 0 && ', '}
              {entry.journey} {entry.entries}× (last {when(entry.lastEnteredAt)})
            </span>
          ))}
        </p>
      )}
    </>
  );
}

function Messages({ messages, personal }: { messages: Message[]; personal: boolean }) {
  if (messages.length === 0) return <p class="dash-muted">No messages.</p>;
  return (
    <table class="dash-table" aria-label="Messages">
      <thead>
        <tr>
          <th scope="col">Message</th>
          <th scope="col">From</th>
          <th scope="col">Status</th>
          <th scope="col">History</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((message) => (
          <tr key={message.key}>
            <th scope="row">
              {message.channel === 'email' ? 'E-mail' : 'Webhook'} <code>{message.name}</code>
              {personal && message.with && Object.keys(message.with).length > 0 && (
                <span class="dash-name">with {JSON.stringify(message.with)}</span>
              )}
            </th>
            <td>{message.journey ? `${message.journey}${message.step ? `, step ${message.step}` : ''}` : (message.broadcast ?? '—')}</td>
            <td>
              <span class={`dash-badge ${message.status === 'sent' ? 'dash-badge-ready' : 'dash-badge-muted'}`}>{message.status}</span>
            </td>
            <td>
              <ol class="people-history">
                {(message.history ?? []).map((step, index) => (
                  <li key={index}>
                    {step.status} {when(step.at)}
                    {step.detail ? ` (${step.detail})` : ''}
                  </li>
                ))}
              </ol>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Merges({ person }: { person: Person }) {
  return (
    <div class="people-merges">
      <h3>Merged into this profile</h3>
      <ul>
        {person.merges.map((merge) => (
          <li key={merge.id}>
            <code>{merge.from}</code> by a shared {KIND_NAMES[merge.via] ?? merge.via}, {when(merge.completedAt ?? merge.at)} (
            {merge.status})
          </li>
        ))}
        {person.mergedFrom
          .filter((from) => !person.merges.some((merge) => merge.from === from))
          .map((from) => (
            <li key={from}>
              <code>{from}</code>
            </li>
          ))}
      </ul>
    </div>
  );
}
