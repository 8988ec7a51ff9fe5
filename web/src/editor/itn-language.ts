/**
 * Highlighting for `.itn` programs: a stream tokenizer over the same keywords the
 * compiler's lexer knows (src/dsl/tokens.ts, read at build time by web/vite.config.ts).
 * It only colours: meaning and mistakes come from the compiler (./lint.ts).
 */
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import keywordList from 'virtual:itn-keywords';

const KEYWORDS = new Set(keywordList);
/** Words that open a declaration: drawn stronger so a long program reads as its parts. */
const DECLARATIONS = new Set(['consent', 'segment', 'journey', 'broadcast']);
const CONSTANTS = new Set(['true', 'false', 'null']);

interface State {
  /** The previous word was a declaration keyword: the next name is what it declares. */
  declaring: boolean;
}

function token(stream: StringStream, state: State): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match('#')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.peek() === '"') {
    stream.next();
    let escaped = false;
    for (let next = stream.next(); next !== undefined; next = stream.next()) {
      if (next === '"' && !escaped) break;
      escaped = !escaped && next === '\\';
    }
    return 'string';
  }
  if (stream.match(/^\d{4}-\d{2}-\d{2}/) || stream.match(/^\d{1,2}:\d{2}/) || stream.match(/^\d+(?:\.\d+)?%?/)) return 'number';
  if (stream.match(/^(?:<=|>=|!=|=|<|>|\.\.)/)) return 'operator';
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
  if (word) {
    const text = word[0];
    if (state.declaring) {
      state.declaring = false;
      return 'variableName.definition';
    }
    if (DECLARATIONS.has(text) && stream.string.slice(0, stream.start).trim() === '') {
      state.declaring = true;
      return 'keyword';
    }
    if (CONSTANTS.has(text)) return 'atom';
    if (KEYWORDS.has(text)) return 'keyword';
    return 'variableName';
  }
  stream.next();
  return 'punctuation';
}

export const itnLanguage = StreamLanguage.define<State>({
  name: 'itinera',
  startState: () => ({ declaring: false }),
  copyState: (state) => ({ ...state }),
  token,
  languageData: { commentTokens: { line: '#' } },
});

const itnHighlightStyle = HighlightStyle.define([
  { tag: tags.keyword, color: '#7c3aed', fontWeight: '500' },
  { tag: tags.comment, color: '#6b7280', fontStyle: 'italic' },
  { tag: tags.string, color: '#047857' },
  { tag: tags.number, color: '#b45309' },
  { tag: tags.atom, color: '#b45309' },
  { tag: tags.operator, color: '#475569' },
  { tag: tags.definition(tags.variableName), color: '#1d4ed8', fontWeight: '600' },
  { tag: tags.variableName, color: '#1f2937' },
  { tag: tags.punctuation, color: '#64748b' },
]);

export const itnHighlighting = syntaxHighlighting(itnHighlightStyle);
