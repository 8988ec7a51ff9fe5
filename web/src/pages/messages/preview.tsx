/**
 * The rendered draft: subject, the HTML part in a sandboxed frame (its own origin, no
 * scripts, no forms, no navigation of the console), at desktop or phone width, and the text
 * part. The frame inherits the console's content policy: images from other hosts do not
 * load here (the console loads nothing from elsewhere); a test send shows them.
 */
import { useState } from 'preact/hooks';
import type { Rendered } from './types';

type Width = 'desktop' | 'phone';

export function Preview({
  rendered,
  state,
  problem,
}: {
  rendered: Rendered | undefined;
  state: 'idle' | 'rendering' | 'stale';
  /** Where the first mistake is, when the draft does not render. */
  problem?: string | undefined;
}) {
  const [width, setWidth] = useState<Width>('desktop');
  return (
    <section class="dash-card messages-preview" aria-labelledby="preview-title">
      <div class="dash-card-header">
        <h2 id="preview-title">Preview</h2>
        <span class={state === 'stale' ? 'dash-error-inline messages-preview-state' : 'dash-muted messages-preview-state'} role="status">
          {state === 'rendering'
            ? 'Updating…'
            : state === 'stale'
              ? `Not updated: ${problem ?? 'fix the problems'}`
              : rendered
                ? 'Up to date'
                : ''}
        </span>
        <div class="dash-toggle" role="group" aria-label="Preview width">
          {(['desktop', 'phone'] as const).map((option) => (
            <button key={option} type="button" aria-pressed={width === option} onClick={() => setWidth(option)}>
              {option === 'desktop' ? 'Desktop' : 'Phone'}
            </button>
          ))}
        </div>
      </div>
      {!rendered && <p class="dash-muted">The preview appears here.</p>}
      {rendered && (
        <>
          <p class="messages-preview-subject">
            <span class="dash-muted">Subject</span> <strong data-testid="preview-subject">{rendered.subject}</strong>
          </p>
          <div class={`messages-frame-box messages-frame-${width}`}>
            <iframe class="messages-frame" title="HTML preview" sandbox="" srcdoc={rendered.html} referrerpolicy="no-referrer" />
          </div>
          <h3 class="messages-text-title">Text part</h3>
          {rendered.text === undefined ? (
            <p class="dash-muted">No text part: mail clients that show text only get none.</p>
          ) : (
            <pre class="messages-text" aria-label="Text preview">
              {rendered.text}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
