/**
 * The compiler's diagnostics as a list below the editor: code, line:column and message;
 * choosing one puts the cursor there.
 */
import type { Diagnostic } from './types';

export function countProblems(diagnostics: Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length === 0) return 'No problems';
  const parts = [errors && `${errors} error${errors === 1 ? '' : 's'}`, warnings && `${warnings} warning${warnings === 1 ? '' : 's'}`];
  return parts.filter(Boolean).join(', ');
}

export function ProblemList({
  diagnostics,
  onChoose,
  label = 'Problems',
}: {
  diagnostics: Diagnostic[];
  onChoose?: (diagnostic: Diagnostic) => void;
  label?: string;
}) {
  return (
    <ul class="problems" aria-label={label}>
      {diagnostics.map((diagnostic) => {
        const body = (
          <>
            <span class={`severity severity-${diagnostic.severity}`}>{diagnostic.severity}</span>
            <code class="problem-code">{diagnostic.code}</code>
            <span class="problem-position">
              {diagnostic.line}:{diagnostic.column}
            </span>
            <span class="problem-message">{diagnostic.message}</span>
          </>
        );
        const key = `${diagnostic.code}-${diagnostic.line}-${diagnostic.column}-${diagnostic.message}`;
        return (
          <li key={key}>
            {onChoose ? (
              <button type="button" class="problem" onClick={() => onChoose(diagnostic)}>
                {body}
              </button>
            ) : (
              <div class="problem">{body}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
