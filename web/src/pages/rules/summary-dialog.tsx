/**
 * "Review and deploy": what a deploy would change, before it happens (POST
 * /v1/rules/summary stores nothing): the text's diff against the active version, segments
 * and journeys added, changed and removed with their sizes and runs, warnings. Deploy
 * needs this confirmation, and is refused with the diagnostics when the draft has errors.
 * Rolling back to an earlier version shows the same summary of that version's text.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../../api';
import { DiffView } from './diff-view';
import { ProblemList } from './problems';
import type { DeployAnswer, Diagnostic, Summary } from './types';

const count = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en'));

export interface SummaryDialogProps {
  title: string;
  /** The text that would become active. */
  source: string;
  /** The confirm button's name, e.g. "Deploy" or "Roll back to version 3". */
  confirmLabel: string;
  confirm: (note: string) => Promise<DeployAnswer>;
  onDone: (answer: DeployAnswer) => void;
  onClose: () => void;
}

export function SummaryDialog(props: SummaryDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [summary, setSummary] = useState<Summary>();
  const [loadError, setLoadError] = useState<string>();
  const [refused, setRefused] = useState<Diagnostic[]>();
  const [deployError, setDeployError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');

  useEffect(() => {
    dialog.current?.showModal();
    api<Summary>('POST', '/v1/rules/summary', { text: props.source }).then(setSummary, (error: unknown) =>
      setLoadError(describeError(error)),
    );
  }, []);

  const deploy = async () => {
    setBusy(true);
    setDeployError(undefined);
    try {
      props.onDone(await props.confirm(note.trim()));
    } catch (error) {
      const diagnostics = error instanceof ApiError ? (error.body as { diagnostics?: Diagnostic[] } | undefined)?.diagnostics : undefined;
      if (diagnostics) setRefused(diagnostics);
      else setDeployError(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  const errors = refused ?? (summary && !summary.ok ? summary.diagnostics.filter((d) => d.severity === 'error') : undefined);
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="summary-title" onClose={props.onClose} onCancel={props.onClose}>
      <header class="dialog-header">
        <h2 id="summary-title">{props.title}</h2>
        <button type="button" class="button button-quiet" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      <div class="dialog-body">
        {!summary && !loadError && (
          <p class="state state-loading" role="status">
            Working out what would change…
          </p>
        )}
        {loadError && (
          <p class="state state-error" role="alert">
            The summary could not be made: {loadError}
          </p>
        )}
        {errors && errors.length > 0 && (
          <section class="summary-section" aria-labelledby="summary-errors">
            <h3 id="summary-errors" class="summary-refused">
              Cannot deploy: the program has {errors.length} error{errors.length === 1 ? '' : 's'}
            </h3>
            <ProblemList diagnostics={errors} label="Errors" />
          </section>
        )}
        {summary && summary.ok && <SummaryBody summary={summary} />}
        {summary && (
          <section class="summary-section" aria-labelledby="summary-diff">
            <h3 id="summary-diff">
              Changes to the text{summary.activeVersion ? ` (against version ${summary.activeVersion})` : ' (nothing deployed yet)'}
            </h3>
            <DiffView hunks={summary.hunks} label="Changes to the text" />
          </section>
        )}
      </div>
      <footer class="dialog-footer">
        <label class="note-field">
          <span>Note</span>
          <input
            value={note}
            onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)}
            placeholder="What this change is for (optional)"
            maxLength={500}
          />
        </label>
        {deployError && (
          <p class="form-error" role="alert">
            {deployError}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" class="button button-primary" disabled={!summary?.ok || busy || Boolean(refused)} onClick={deploy}>
            {busy ? 'Deploying…' : props.confirmLabel}
          </button>
        </div>
      </footer>
    </dialog>
  );
}

function SummaryBody({ summary }: { summary: Summary }) {
  const { segments, journeys, consents, warnings } = summary;
  const nothing =
    segments.added.length +
      segments.changed.length +
      segments.removed.length +
      journeys.added.length +
      journeys.changed.length +
      journeys.removed.length +
      (consents ? consents.added.length + consents.changed.length + consents.removed.length : 0) ===
    0;
  return (
    <>
      {warnings.length > 0 && (
        <section class="summary-section" aria-labelledby="summary-warnings">
          <h3 id="summary-warnings">Warnings</h3>
          <ul class="warnings">
            {warnings.map((warning, index) => (
              <li key={index}>
                <code>{warning.code}</code> {warning.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      {nothing && <p class="muted">No segment, journey or consent changes.</p>}
      {(segments.added.length > 0 || segments.changed.length > 0 || segments.removed.length > 0) && (
        <section class="summary-section" aria-labelledby="summary-segments">
          <h3 id="summary-segments">Segments</h3>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col">Change</th>
                <th scope="col" class="num">
                  Size now
                </th>
                <th scope="col" class="num">
                  Size after
                </th>
              </tr>
            </thead>
            <tbody>
              {segments.added.map((s) => (
                <tr key={s.name}>
                  <td>
                    <Name name={s.name} title={s.title} />
                  </td>
                  <td>
                    <span class="change change-added">added</span>
                  </td>
                  <td class="num">–</td>
                  <td class="num">{count(s.previewSize)}</td>
                </tr>
              ))}
              {segments.changed.map((s) => (
                <tr key={s.name}>
                  <td>
                    <Name name={s.name} title={s.title} />
                  </td>
                  <td>
                    <span class="change change-changed">changed</span>
                  </td>
                  <td class="num">{count(s.currentSize)}</td>
                  <td class="num">{count(s.previewSize)}</td>
                </tr>
              ))}
              {segments.removed.map((s) => (
                <tr key={s.name}>
                  <td>
                    <Name name={s.name} />
                  </td>
                  <td>
                    <span class="change change-removed">removed</span>
                  </td>
                  <td class="num">{count(s.currentSize)}</td>
                  <td class="num">–</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {(journeys.added.length > 0 || journeys.changed.length > 0 || journeys.removed.length > 0) && (
        <section class="summary-section" aria-labelledby="summary-journeys">
          <h3 id="summary-journeys">Journeys</h3>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Journey</th>
                <th scope="col">Change</th>
                <th scope="col" class="num">
                  Runs on older versions
                </th>
              </tr>
            </thead>
            <tbody>
              {journeys.added.map((j) => (
                <tr key={j.name}>
                  <td>
                    <Name name={j.name} title={j.title} />
                  </td>
                  <td>
                    <span class="change change-added">added</span>
                  </td>
                  <td class="num">–</td>
                </tr>
              ))}
              {journeys.changed.map((j) => (
                <tr key={j.name}>
                  <td>
                    <Name name={j.name} title={j.title} />
                  </td>
                  <td>
                    <span class="change change-changed">changed</span>
                  </td>
                  <td class="num">{count(j.runningOnOldVersions)}</td>
                </tr>
              ))}
              {journeys.removed.map((j) => (
                <tr key={j.name}>
                  <td>
                    <Name name={j.name} />
                  </td>
                  <td>
                    <span class="change change-removed">removed</span>
                  </td>
                  <td class="num">{count(j.runningOnOldVersions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {journeys.changed.some((j) => (j.runningOnOldVersions ?? 0) > 0) && (
            <p class="muted">Runs already going on keep the version they started with; new entrants take the new one.</p>
          )}
        </section>
      )}
      {consents && consents.added.length + consents.changed.length + consents.removed.length > 0 && (
        <section class="summary-section" aria-labelledby="summary-consents">
          <h3 id="summary-consents">Consents</h3>
          <p>
            {[
              ...consents.added.map((c) => `${c.name} added`),
              ...consents.changed.map((c) => `${c.name} changed`),
              ...consents.removed.map((c) => `${c.name} removed`),
            ].join(', ')}
          </p>
        </section>
      )}
    </>
  );
}

function Name({ name, title }: { name: string; title?: string | undefined }) {
  return (
    <span class="name-cell">
      <code>{name}</code>
      {title && <span class="muted"> {title}</span>}
    </span>
  );
}
