/**
 * A segment's members, a page at a time (the API's cursor), findable by an identifier or a
 * profile id, and downloadable as CSV. Identifiers are shown when the API sends them: it
 * sends them only to roles that see personal data, so a viewer sees profile ids alone.
 */
import { useState } from 'preact/hooks';
import { get } from '../../api';
import { useLive } from '../../charts/live';
import { count, Empty, Failed, Loading, when } from '../../charts/states';
import type { Member, MemberPage } from './types';

const PAGE_SIZE = 25;
const KIND_NAMES: Record<string, string> = { userId: 'user id', email: 'e-mail', anonymousId: 'anonymous id' };

export function Members({ name, size, refreshedAt }: { name: string; size: number; refreshedAt: number | undefined }) {
  const [query, setQuery] = useState('');
  const [typed, setTyped] = useState('');
  // Cursors of the pages before the current one, to go back; the last is the current page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const path = `/v1/segments/${encodeURIComponent(name)}/members?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${query ? `&q=${encodeURIComponent(query)}` : ''}`;
  const page = useLive(() => get<MemberPage>(path), path, { trigger: refreshedAt, intervalMs: 60_000 });

  const find = (event: Event) => {
    event.preventDefault();
    setQuery(typed.trim());
    setCursors([]);
  };
  const members = page.data?.members;
  const showsIdentifiers = members?.some((member) => member.identifiers !== undefined) ?? false;

  return (
    <section class="dash-card" aria-labelledby="members-title">
      <header class="dash-card-header">
        <h2 id="members-title">
          Members <span class="dash-count">{count(size)}</span>
        </h2>
        <a
          class="dash-button dash-button-quiet"
          href={`/v1/segments/${encodeURIComponent(name)}/members?format=csv`}
          download={`${name}.csv`}
        >
          Download CSV
        </a>
      </header>
      <form class="dash-search" role="search" onSubmit={find}>
        <label>
          Find a member
          <input
            name="q"
            type="search"
            placeholder="user id, e-mail, anonymous id or profile id"
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Find</button>
        {query && (
          <button
            type="button"
            class="dash-button-quiet"
            onClick={() => {
              setQuery('');
              setTyped('');
              setCursors([]);
            }}
          >
            Show all
          </button>
        )}
      </form>
      {!members && page.error && <Failed error={page.error} what="members" />}
      {!members && !page.error && <Loading what="members" />}
      {members && members.length === 0 && <Empty>{query ? `No member matches “${query}”.` : 'No members yet.'}</Empty>}
      {members && members.length > 0 && (
        <table class="dash-table" aria-label="Members">
          <thead>
            <tr>
              <th scope="col">Profile</th>
              {showsIdentifiers && <th scope="col">Identifiers</th>}
              <th scope="col">Member since</th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.profileId}>
                <th scope="row">
                  <code>{member.profileId}</code>
                </th>
                {showsIdentifiers && (
                  <td>
                    <Identifiers member={member} />
                  </td>
                )}
                <td>{when(member.since)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(cursors.length > 0 || page.data?.nextCursor) && (
        <nav class="dash-pager" aria-label="Member pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <span>Page {cursors.length + 1}</span>
          <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursors([...cursors, page.data!.nextCursor!])}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function Identifiers({ member }: { member: Member }) {
  const entries = Object.entries(member.identifiers ?? {}).flatMap(([kind, values]) => (values ?? []).map((value) => ({ kind, value })));
  if (entries.length === 0) return <span class="dash-muted">none</span>;
  return (
    <ul class="dash-chips">
      {entries.map(({ kind, value }) => (
        <li key={`${kind}:${value}`}>
          <span class="dash-chip-kind">{KIND_NAMES[kind] ?? kind}</span> {value}
        </li>
      ))}
    </ul>
  );
}
