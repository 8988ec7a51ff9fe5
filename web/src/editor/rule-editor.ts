/**
 * The rule editor: CodeMirror 6 with the `.itn` language mode, diagnostics from the
 * compiler as you type, and completion. The page owns the program's text and reads back
 * diagnostics and declared names through the callbacks.
 */
import { closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, indentUnit } from '@codemirror/language';
import { forceLinting, lintGutter, lintKeymap } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import type { CompileAnswer, DeclaredNames } from './compile-protocol';
import { CompilerClient } from './compiler-client';
import { itnCompletion, type Catalog } from './completion';
import { itnHighlighting, itnLanguage } from './itn-language';
import { compilerLinter, offsetOf } from './lint';

export interface RuleEditorOptions {
  parent: HTMLElement;
  source: string;
  /** Every change of the text, for the draft kept in localStorage. */
  onChange: (source: string) => void;
  /** Every compile of the text the editor holds. */
  onDiagnostics: (answer: CompileAnswer) => void;
  readOnly?: boolean;
}

export interface RuleEditor {
  source(): string;
  /** Replaces the whole text (a version loaded, a draft discarded), keeping undo. */
  replace(source: string): void;
  /** Puts the cursor at a compiler line:column, scrolled into view, focused. */
  goTo(line: number, column: number): void;
  setCatalog(catalog: Catalog): void;
  destroy(): void;
}

const theme = EditorView.theme({
  '&': { fontSize: '14px', height: '100%', backgroundColor: '#fff' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, "SF Mono", "Cascadia Code", "DejaVu Sans Mono", Menlo, Consolas, monospace',
    lineHeight: '1.55',
  },
  '.cm-content': { padding: '10px 0' },
  '.cm-gutters': { backgroundColor: '#f8fafc', color: '#94a3b8', borderRight: '1px solid #e2e8f0' },
  '.cm-activeLine': { backgroundColor: '#f5f7ff' },
  '.cm-activeLineGutter': { backgroundColor: '#eef2ff', color: '#475569' },
  '&.cm-focused': { outline: 'none' },
  '.cm-tooltip-lint': { maxWidth: '36rem' },
});

export function createRuleEditor(options: RuleEditorOptions): RuleEditor {
  const compiler = new CompilerClient();
  let declared: DeclaredNames = { consents: [], segments: [], journeys: [], templates: [] };
  let catalog: Catalog | undefined;
  const state = EditorState.create({
    doc: options.source,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      indentOnInput(),
      indentUnit.of('  '),
      bracketMatching(),
      closeBrackets(),
      itnLanguage,
      itnHighlighting,
      lintGutter(),
      compilerLinter(compiler, (answer) => {
        declared = answer.declared;
        options.onDiagnostics(answer);
      }),
      itnCompletion(() => ({ declared, ...(catalog ? { catalog } : {}) })),
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
      EditorState.readOnly.of(options.readOnly ?? false),
      // CodeMirror's content element is already a multi-line textbox; this names it.
      EditorView.contentAttributes.of({ 'aria-label': 'Rules', spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(update.state.doc.toString());
      }),
      theme,
    ],
  });
  const view = new EditorView({ state, parent: options.parent });
  return {
    source: () => view.state.doc.toString(),
    replace(source) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: source } });
    },
    goTo(line, column) {
      const anchor = offsetOf(view.state.doc, line, column);
      view.dispatch({ selection: { anchor }, scrollIntoView: true });
      view.focus();
    },
    setCatalog(next) {
      catalog = next;
      compiler.setFacts({
        catalog: {
          events: next.events,
          traits: next.traits,
          consentCategories: next.consentCategories ?? [],
          dropped: next.dropped ?? { events: 0, properties: 0, traits: 0, consentCategories: 0 },
        },
        templates: next.templates,
      });
      // The program on screen is checked again with what the data holds.
      forceLinting(view);
    },
    destroy() {
      view.destroy();
      compiler.close();
    },
  };
}
