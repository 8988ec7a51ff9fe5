/**
 * A unified diff as the server computes it (hunks of ` context`, `-removed`, `+added`
 * lines), with old and new line numbers: removed lines red, added green.
 */
import type { Hunk } from './types';

export function DiffView({ hunks, label }: { hunks: Hunk[]; label: string }) {
  if (hunks.length === 0) return <p class="muted diff-empty">No changes to the text.</p>;
  return (
    <div class="diff" role="table" aria-label={label}>
      {hunks.map((hunk) => {
        let oldLine = hunk.oldStart;
        let newLine = hunk.newStart;
        return (
          <div class="diff-hunk" role="rowgroup" key={`${hunk.oldStart}-${hunk.newStart}`}>
            <div class="diff-hunk-header" role="row">
              <span role="cell">
                @@ −{hunk.oldStart},{hunk.oldLines} +{hunk.newStart},{hunk.newLines} @@
              </span>
            </div>
            {hunk.lines.map((line, index) => {
              const mark = line[0];
              const kind = mark === '+' ? 'added' : mark === '-' ? 'removed' : 'context';
              const oldNumber = kind === 'added' ? '' : oldLine++;
              const newNumber = kind === 'removed' ? '' : newLine++;
              return (
                <div class={`diff-line diff-${kind}`} role="row" key={index}>
                  <span class="diff-number" role="cell">
                    {oldNumber}
                  </span>
                  <span class="diff-number" role="cell">
                    {newNumber}
                  </span>
                  <span class="diff-mark" role="cell" aria-label={kind === 'context' ? undefined : kind}>
                    {kind === 'added' ? '+' : kind === 'removed' ? '−' : ''}
                  </span>
                  <code class="diff-text" role="cell">
                    {line.slice(1) || ' '}
                  </code>
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}
