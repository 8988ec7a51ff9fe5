/**
 * One part of a template in CodeMirror 6: HTML with Liquid coloured, line numbers, undo,
 * and the server's problems marked where they are (a gutter marker on the line and the
 * spot underlined, through @codemirror/lint's diagnostics, which the page sets).
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentUnit } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { offsetOf } from '../../editor/lint';
import { liquidHighlighting, liquidLanguage } from './liquid-language';

export interface LiquidEditorOptions {
  parent: HTMLElement;
  doc: string;
  /** The accessible name of the text box ("HTML part"). */
  label: string;
  onChange: (text: string) => void;
  readOnly?: boolean;
}

/** A problem to mark: 1-based line and column, as the server gives them. */
export interface Mark {
  line: number;
  column: number;
  message: string;
}

export interface LiquidEditor {
  replace(text: string): void;
  /** Marks these problems (and clears earlier ones). */
  mark(problems: Mark[]): void;
  goTo(line: number, column: number): void;
  destroy(): void;
}

const theme = EditorView.theme({
  '&': { fontSize: '13px', height: '100%', backgroundColor: '#fff' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, "SF Mono", "Cascadia Code", "DejaVu Sans Mono", Menlo, Consolas, monospace',
    lineHeight: '1.55',
  },
  '.cm-content': { padding: '8px 0' },
  '.cm-gutters': { backgroundColor: '#f8fafc', color: '#94a3b8', borderRight: '1px solid #e2e8f0' },
  '.cm-activeLine': { backgroundColor: '#f5f7ff' },
  '.cm-activeLineGutter': { backgroundColor: '#eef2ff', color: '#475569' },
  '&.cm-focused': { outline: 'none' },
});

/** What to underline from a problem's position: the whole `{{ … }}` or `{% … %}` it starts, else the word. */
function spanAt(rest: string): number {
  const liquid = /^\{([{%])/.exec(rest);
  if (liquid) {
    const end = rest.indexOf(liquid[1] === '{' ? '}}' : '%}', 2);
    if (end >= 0) return end + 2;
  }
  return /^\S+/.exec(rest)?.[0].length ?? 1;
}

export function createLiquidEditor(options: LiquidEditorOptions): LiquidEditor {
  const state = EditorState.create({
    doc: options.doc,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      indentUnit.of('  '),
      bracketMatching(),
      liquidLanguage,
      liquidHighlighting,
      lintGutter(),
      EditorView.lineWrapping,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorState.readOnly.of(options.readOnly ?? false),
      EditorView.contentAttributes.of({ 'aria-label': options.label, spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(update.state.doc.toString());
      }),
      theme,
    ],
  });
  const view = new EditorView({ state, parent: options.parent });
  return {
    replace(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    mark(problems) {
      const doc = view.state.doc;
      const diagnostics: Diagnostic[] = problems.map((problem) => {
        const from = offsetOf(doc, problem.line, problem.column);
        return {
          from,
          to: Math.max(from + 1, Math.min(from + spanAt(doc.sliceString(from, doc.lineAt(from).to)), doc.length)),
          severity: 'error',
          message: problem.message,
        };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    goTo(line, column) {
      view.dispatch({ selection: { anchor: offsetOf(view.state.doc, line, column) }, scrollIntoView: true });
      view.focus();
    },
    destroy() {
      view.destroy();
    },
  };
}
