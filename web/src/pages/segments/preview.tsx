/**
 * Trying a segment before deploying it: the draft is counted against today's data by the
 * server (POST /v1/segments/preview) and nothing is stored. Deploying is the rules page's job.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { count } from '../../charts/states';
import type { PreviewAnswer } from './types';

export function DraftPreview({ initial, currentSizes }: { initial: string; currentSizes: Record<string, number> }) {
  const [draft, setDraft] = useState(initial);
  const [answer, setAnswer] = useState<PreviewAnswer>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const preview = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setAnswer(await api<PreviewAnswer>('POST', '/v1/segments/preview', { text: draft, accept: [422] }));
    } catch (failure) {
      setAnswer(undefined);
      setError(failure instanceof ApiError ? `${failure.message} (${failure.code})` : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="dash-card" aria-labelledby="preview-title">
      <header class="dash-card-header">
        <h2 id="preview-title">Try a change</h2>
        <span class="dash-muted">Counted on today’s data; nothing is deployed.</span>
      </header>
      <label class="dash-draft">
        Draft segment
        <textarea
          rows={Math.min(12, Math.max(3, draft.split('\n').length + 1))}
          spellcheck={false}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
      </label>
      <div class="dash-actions">
        <button type="button" class="dash-button-primary" onClick={preview} disabled={busy || draft.trim() === ''}>
          {busy ? 'Counting…' : 'Preview'}
        </button>
      </div>
      {error && (
        <p class="dash-error" role="alert">
          {error}
        </p>
      )}
      {answer && (
        <div class="dash-preview" role="status" aria-label="Preview result">
          {answer.diagnostics.length > 0 && (
            <ul class="dash-diagnostics" aria-label="Diagnostics">
              {answer.diagnostics.map((diagnostic, i) => (
                <li key={i} class={diagnostic.severity === 'warning' ? 'dash-warning' : 'dash-problem'}>
                  <code>{diagnostic.code}</code>{' '}
                  {diagnostic.line !== undefined && (
                    <span class="dash-muted">
                      {diagnostic.line}:{diagnostic.column}
                    </span>
                  )}{' '}
                  {diagnostic.message}
                </li>
              ))}
            </ul>
          )}
          {(answer.segments ?? []).map((segment) => {
            const current = currentSizes[segment.name];
            return (
              <div key={segment.name} class="dash-preview-segment">
                <p>
                  <strong>{segment.title ?? segment.name}</strong>: <span class="dash-preview-size">{count(segment.size)}</span>{' '}
                  {segment.size === 1 ? 'person' : 'people'}
                  {current !== undefined && (
                    <span class="dash-muted">
                      {' '}
                      (now {count(current)}
                      {delta(segment.size - current)})
                    </span>
                  )}
                </p>
                {segment.sample.length > 0 && (
                  <details>
                    <summary>Sample of {count(segment.sample.length)} profile ids</summary>
                    <ul class="dash-sample">
                      {segment.sample.map((id) => (
                        <li key={id}>
                          <code>{id}</code>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </div>
            );
          })}
          {answer.segments?.length === 0 && <p class="dash-muted">The draft declares no segment.</p>}
        </div>
      )}
    </section>
  );
}

const delta = (difference: number) => (difference === 0 ? ', no change' : `, ${difference > 0 ? '+' : '−'}${count(Math.abs(difference))}`);
