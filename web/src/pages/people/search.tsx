/**
 * Find a person: by an identifier (exactly, any kind or one), by a trait's value, or among
 * a segment's members. The search is in the URL (`/people?by=trait&trait=plan&value=pro`),
 * so going back from a person returns to the results. No index answers a search by trait:
 * the database reads profiles until a page matches, for at most 5 s; when that runs out the
 * page says so and offers to search for longer (30 s), and "Show more" reads the next page. A viewer finds by profile id or segment only (the server refuses
 * the rest) and sees no e-mails or names.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { describeError, get } from '../../api';
import { count, Empty, Loading, when } from '../../charts/states';
import { useSession } from '../../session';
import type { SegmentList } from '../segments/types';
import { KIND_NAMES, type PersonFound, type SearchAnswer, type SearchBy } from './types';
import '../dashboards.css';
import './people.css';

const PAGE_SIZE = 25;
const IDENTIFIER_KINDS = ['userId', 'email', 'phone', 'anonymousId', 'profileId'];

interface Results {
  key: string;
  people: PersonFound[];
  nextCursor: string | null;
  timedOut?: boolean;
  /** The time budget of the last read, in seconds. */
  budget?: number;
}

/** A trait search's time budget (ms): the usual one, and the longer one offered when it ran out. */
const BUDGET_MS = 5_000;
const LONGER_BUDGET_MS = 30_000;

export function PeoplePage() {
  const { user } = useSession();
  const personal = user.role !== 'viewer';
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const given: SearchBy = params.get('by') === 'trait' || params.get('by') === 'segment' ? (params.get('by') as SearchBy) : 'identifier';
  const key = params.toString();

  const [by, setBy] = useState<SearchBy>(given);
  const [kind, setKind] = useState(params.get('kind') ?? '');
  const [value, setValue] = useState(params.get('value') ?? '');
  const [trait, setTrait] = useState(params.get('trait') ?? '');
  const [segment, setSegment] = useState(params.get('segment') ?? '');
  const [segments, setSegments] = useState<{ name: string; title?: string }[]>();
  const [results, setResults] = useState<Results>();
  const [cursors, setCursors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    get<SegmentList>('/v1/segments').then(
      (list) => setSegments(list.segments.map(({ name, title }) => ({ name, ...(title ? { title } : {}) }))),
      () => setSegments([]),
    );
  }, []);

  // A new search in the URL: the form shows it, and its first page is read.
  useEffect(() => {
    setBy(given);
    setKind(params.get('kind') ?? '');
    setValue(params.get('value') ?? '');
    setTrait(params.get('trait') ?? '');
    setSegment(params.get('segment') ?? '');
    setCursors([]);
    setResults(undefined);
    if (params.get('by')) void read(undefined, false);
  }, [key]);

  async function read(cursor: string | undefined, append: boolean, budget = BUDGET_MS) {
    const query = new URLSearchParams(params);
    query.set('limit', String(PAGE_SIZE));
    if (cursor) query.set('cursor', cursor);
    if (query.get('by') === 'trait') query.set('budget', String(budget));
    setBusy(true);
    setProblem(undefined);
    try {
      const answer = await get<SearchAnswer>(`/v1/people?${query.toString()}`);
      setResults((previous) => ({
        key,
        people: append && previous ? [...previous.people, ...answer.people] : answer.people,
        nextCursor: answer.nextCursor,
        ...(answer.timedOut !== undefined ? { timedOut: answer.timedOut, budget: budget / 1000 } : {}),
      }));
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  const submit = (event: Event) => {
    event.preventDefault();
    const query = new URLSearchParams({ by });
    if (by === 'identifier') {
      if (kind) query.set('kind', kind);
      query.set('value', value.trim());
    } else if (by === 'trait') {
      query.set('trait', trait.trim());
      query.set('value', value.trim());
    } else query.set('segment', segment);
    navigate(`/people?${query.toString()}`);
  };

  const page = (cursor: string | undefined, stack: string[]) => {
    setCursors(stack);
    void read(cursor, false);
  };

  const shown = results?.key === key ? results : undefined;
  const kinds = personal ? IDENTIFIER_KINDS : ['profileId'];
  return (
    <section class="dash-page people-page" aria-labelledby="people-title">
      <header class="dash-header">
        <div>
          <h1 id="people-title">People</h1>
          <p class="dash-subtitle">
            {personal
              ? 'Find a person by any identifier, a trait or a segment, and open their whole story.'
              : 'Find a person by profile id or segment. Identifiers, traits and message contents are not shown to viewers.'}
          </p>
        </div>
      </header>
      <form class="dash-card people-search" role="search" aria-label="Find a person" onSubmit={submit}>
        <fieldset class="people-by">
          <legend>Find by</legend>
          {(personal ? (['identifier', 'trait', 'segment'] as const) : (['identifier', 'segment'] as const)).map((option) => (
            <label key={option} class="people-by-option">
              <input type="radio" name="by" value={option} checked={by === option} onChange={() => setBy(option)} />{' '}
              {option === 'identifier' ? (personal ? 'An identifier' : 'A profile id') : option === 'trait' ? 'A trait' : 'A segment'}
            </label>
          ))}
        </fieldset>
        <div class="people-fields">
          {by === 'identifier' && (
            <>
              {personal && (
                <label class="dash-select">
                  Kind
                  <select value={kind} onChange={(event) => setKind(event.currentTarget.value)}>
                    <option value="">any</option>
                    {kinds.map((option) => (
                      <option key={option} value={option}>
                        {KIND_NAMES[option] ?? option}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <label class="people-field">
                {personal ? 'Identifier' : 'Profile id'}
                <input
                  type="search"
                  required
                  value={value}
                  placeholder={personal ? 'e-mail, user id, phone, anonymous id, profile id…' : 'pr_…'}
                  onInput={(event) => setValue(event.currentTarget.value)}
                />
              </label>
            </>
          )}
          {by === 'trait' && (
            <>
              <label class="people-field">
                Trait
                <input required value={trait} placeholder="plan, address.city…" onInput={(event) => setTrait(event.currentTarget.value)} />
              </label>
              <span class="people-equals" aria-hidden="true">
                =
              </span>
              <label class="people-field">
                Value
                <input required value={value} placeholder="pro" onInput={(event) => setValue(event.currentTarget.value)} />
              </label>
            </>
          )}
          {by === 'segment' && (
            <label class="dash-select">
              Segment
              <select required value={segment} onChange={(event) => setSegment(event.currentTarget.value)}>
                <option value="" disabled>
                  {segments ? 'choose a segment' : 'loading…'}
                </option>
                {(segments ?? []).map((option) => (
                  <option key={option.name} value={option.name}>
                    {option.title ?? option.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="submit" class="dash-button-primary" disabled={busy}>
            Find
          </button>
        </div>
        {by === 'trait' && (
          <p class="dash-muted people-note">
            Compared exactly (numbers and true/false as written). No index answers this: the database reads profiles until a page matches,
            for at most {BUDGET_MS / 1000} s.
          </p>
        )}
      </form>

      {problem && (
        <div class="dash-error" role="alert">
          <strong>The search failed.</strong> {problem}
        </div>
      )}
      {busy && !shown && <Loading what="people" />}
      {shown && (
        <section class="dash-card" aria-labelledby="results-title">
          <header class="dash-card-header">
            <h2 id="results-title">
              Found <span class="dash-count">{count(shown.people.length)}</span>
            </h2>
            {given === 'trait' && (
              <p class="dash-muted people-scanned" role="status">
                {shown.timedOut
                  ? `No ${shown.people.length > 0 ? 'more ' : ''}match within ${shown.budget} s`
                  : shown.nextCursor
                    ? 'More may match'
                    : 'Every match shown'}
              </p>
            )}
          </header>
          {shown.people.length === 0 ? (
            <Empty>{shown.timedOut ? 'No match found in time.' : 'Nobody matches.'}</Empty>
          ) : (
            <FoundTable people={shown.people} personal={personal} bySegment={given === 'segment'} />
          )}
          {given === 'trait' && shown.nextCursor && (
            <div class="dash-actions">
              {shown.timedOut ? (
                <button type="button" disabled={busy} onClick={() => void read(shown.nextCursor!, true, LONGER_BUDGET_MS)}>
                  Search for {LONGER_BUDGET_MS / 1000} s
                </button>
              ) : (
                <button type="button" disabled={busy} onClick={() => void read(shown.nextCursor!, true)}>
                  Show more
                </button>
              )}
            </div>
          )}
          {given === 'segment' && (cursors.length > 0 || shown.nextCursor) && (
            <nav class="dash-pager" aria-label="Result pages">
              <button
                type="button"
                disabled={busy || cursors.length === 0}
                onClick={() => page(cursors[cursors.length - 2], cursors.slice(0, -1))}
              >
                Previous
              </button>
              <span>Page {cursors.length + 1}</span>
              <button
                type="button"
                disabled={busy || !shown.nextCursor}
                onClick={() => page(shown.nextCursor!, [...cursors, shown.nextCursor!])}
              >
                Next
              </button>
            </nav>
          )}
        </section>
      )}
    </section>
  );
}

function FoundTable({ people, personal, bySegment }: { people: PersonFound[]; personal: boolean; bySegment: boolean }) {
  return (
    <table class="dash-table" aria-label="People found">
      <thead>
        <tr>
          <th scope="col">Profile</th>
          {personal && <th scope="col">E-mail</th>}
          {personal && <th scope="col">Name</th>}
          {bySegment && <th scope="col">Member since</th>}
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {people.map((person) => (
          <tr key={person.profileId}>
            <th scope="row">
              <Link href={`/people/${encodeURIComponent(person.profileId)}`} class="dash-row-link">
                <code>{person.profileId}</code>
              </Link>
            </th>
            {personal && <td>{person.email ?? <span class="dash-muted">—</span>}</td>}
            {personal && <td>{person.name ?? <span class="dash-muted">—</span>}</td>}
            {bySegment && <td>{when(person.since)}</td>}
            <td>{when(person.lastSeenAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
