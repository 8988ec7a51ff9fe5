/**
 * Every deployed version with who, when and a note; the diff of any two; rolling back to
 * an earlier one, which deploys its text as a new version after the same summary as a
 * deploy.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, describeError, get } from '../../api';
import { canDeploy, useSession } from '../../session';
import { DiffView } from './diff-view';
import { formatWhen } from './rules-page';
import { SummaryDialog } from './summary-dialog';
import type { DeployAnswer, Hunk, VersionEntry } from './types';

interface VersionsAnswer {
  versions: VersionEntry[];
  next?: string | number | null;
}

interface DiffAnswer {
  from: number;
  to: number;
  hunks: Hunk[];
}

const PAGE = 50;

export function VersionsPage() {
  const session = useSession();
  const mayRollBack = canDeploy(session.user.role);
  const [versions, setVersions] = useState<VersionEntry[]>();
  const [next, setNext] = useState<string | number | null>();
  const [error, setError] = useState<string>();
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const [diff, setDiff] = useState<DiffAnswer>();
  const [diffError, setDiffError] = useState<string>();
  const [rollback, setRollback] = useState<{ version: number; source: string }>();
  const [done, setDone] = useState<DeployAnswer>();

  const load = async (before?: string | number | null) => {
    try {
      const answer = await get<VersionsAnswer>(`/v1/rules/versions?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      setVersions((old) => [...(before ? (old ?? []) : []), ...answer.versions]);
      setNext(answer.next ?? null);
      if (!before && answer.versions.length >= 2) {
        setTo(answer.versions[0]!.version);
        setFrom(answer.versions[1]!.version);
      }
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  useEffect(() => void load(), [done]);

  useEffect(() => {
    if (from === undefined || to === undefined || from === to) {
      setDiff(undefined);
      return;
    }
    setDiffError(undefined);
    get<DiffAnswer>(`/v1/rules/diff?from=${from}&to=${to}`).then(setDiff, (failure: unknown) => setDiffError(describeError(failure)));
  }, [from, to]);

  const startRollback = async (version: number) => {
    try {
      const chosen = await get<{ source: string }>(`/v1/rules/versions/${version}`);
      setRollback({ version, source: chosen.source });
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <section class="page" aria-labelledby="versions-title">
      <header class="page-header">
        <div>
          <p class="crumbs">
            <Link href="/rules">Rules</Link> /
          </p>
          <h1 id="versions-title">Versions</h1>
          <p class="muted">Every deployed program, newest first. Rolling back deploys an earlier text as a new version.</p>
        </div>
      </header>
      {done && (
        <p class="notice" role="status">
          Rolled back: version {done.version} is active{done.rolledBackFrom ? `, with the text of version ${done.rolledBackFrom}` : ''}.
        </p>
      )}
      {error && (
        <p class="state state-error" role="alert">
          {error}
        </p>
      )}
      {!versions && !error && (
        <p class="state state-loading" role="status">
          Loading versions…
        </p>
      )}
      {versions && versions.length === 0 && (
        <div class="empty">
          <p>No version deployed yet.</p>
          <p>
            <Link href="/rules">Write the first program</Link>
          </p>
        </div>
      )}
      {versions && versions.length > 0 && (
        <div class="card card-flush">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Deployed</th>
                <th scope="col">By</th>
                <th scope="col">Note</th>
                <th scope="col">Compare</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version} class={v.active ? 'row-active' : undefined}>
                  <td>
                    <strong>{v.version}</strong>
                    {v.active && <span class="badge badge-ok">active</span>}
                    {v.rolledBackFrom !== undefined && <span class="badge">from {v.rolledBackFrom}</span>}
                  </td>
                  <td>{formatWhen(v.deployedAt)}</td>
                  <td>{v.deployedBy ?? '–'}</td>
                  <td class="note-cell">{v.note || <span class="muted">–</span>}</td>
                  <td class="compare-cell">
                    <label class="radio">
                      <input
                        type="radio"
                        name="from"
                        checked={from === v.version}
                        onChange={() => setFrom(v.version)}
                        aria-label={`Compare from version ${v.version}`}
                      />{' '}
                      from
                    </label>
                    <label class="radio">
                      <input
                        type="radio"
                        name="to"
                        checked={to === v.version}
                        onChange={() => setTo(v.version)}
                        aria-label={`Compare to version ${v.version}`}
                      />{' '}
                      to
                    </label>
                  </td>
                  <td class="actions-cell">
                    {mayRollBack && !v.active && (
                      <button type="button" class="button button-small" onClick={() => startRollback(v.version)}>
                        Roll back to version {v.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && (
            <div class="card-footer">
              <button type="button" class="button" onClick={() => load(next)}>
                Older versions
              </button>
            </div>
          )}
        </div>
      )}
      {from !== undefined && to !== undefined && from !== to && (
        <section class="card" aria-labelledby="diff-title">
          <h2 id="diff-title" class="card-title">
            Version {from} → version {to}
          </h2>
          {diffError && (
            <p class="state state-error" role="alert">
              {diffError}
            </p>
          )}
          {!diff && !diffError && (
            <p class="state state-loading" role="status">
              Loading the diff…
            </p>
          )}
          {diff && <DiffView hunks={diff.hunks} label={`Changes from version ${from} to version ${to}`} />}
        </section>
      )}
      {rollback && (
        <SummaryDialog
          title={`Roll back to version ${rollback.version}`}
          source={rollback.source}
          confirmLabel={`Roll back to version ${rollback.version}`}
          confirm={(note) =>
            api<DeployAnswer>('POST', '/v1/rules/rollback', { json: { version: rollback.version, ...(note ? { note } : {}) } })
          }
          onDone={(answer) => {
            setRollback(undefined);
            setDone(answer);
          }}
          onClose={() => setRollback(undefined)}
        />
      )}
    </section>
  );
}
