/**
 * Highlighting for e-mail templates: HTML (tags, attributes, comments) with Liquid's
 * `{{ output }}` and `{% tags %}` inside it, as a stream tokenizer. It only colours: the
 * server's parser says what is wrong (POST /v1/templates/render answers its problems).
 * The project has no HTML language package for CodeMirror; this is enough to read by.
 */
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const LIQUID_KEYWORDS = new Set([
  'if',
  'elsif',
  'else',
  'endif',
  'unless',
  'endunless',
  'case',
  'when',
  'endcase',
  'for',
  'endfor',
  'in',
  'break',
  'continue',
  'assign',
  'capture',
  'endcapture',
  'raw',
  'endraw',
  'comment',
  'endcomment',
  'and',
  'or',
  'contains',
  'limit',
  'offset',
  'reversed',
  'cycle',
  'increment',
  'decrement',
  'liquid',
  'echo',
  'tablerow',
  'endtablerow',
]);
const CONSTANTS = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);

interface State {
  /** Inside `{{ … }}` or `{% … %}`: what closes it. */
  liquid: '}}' | '%}' | null;
  /** The previous Liquid token was `|`: the next name is a filter. */
  filter: boolean;
  /** Inside an HTML tag's angle brackets (attributes). */
  inTag: boolean;
  /** Inside `<!-- … -->`. */
  inComment: boolean;
}

function liquidToken(stream: StringStream, state: State, close: '}}' | '%}'): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match(new RegExp(`^-?${close === '}}' ? '\\}\\}' : '%\\}'}`))) {
    state.liquid = null;
    state.filter = false;
    return 'meta';
  }
  const quote = stream.peek();
  if (quote === '"' || quote === "'") {
    stream.next();
    while (!stream.eol() && stream.next() !== quote);
    return 'string';
  }
  if (stream.match(/^-?\d+(\.\d+)?/)) return 'number';
  if (stream.eat('|')) {
    state.filter = true;
    return 'operator';
  }
  if (stream.match(/^(==|!=|<=|>=|<|>|\.\.|:|,)/)) return 'operator';
  const word = stream.match(/^[A-Za-z_][\w-]*/) as RegExpMatchArray | null;
  if (word) {
    if (state.filter) {
      state.filter = false;
      return 'variableName.function';
    }
    if (LIQUID_KEYWORDS.has(word[0])) return 'keyword';
    if (CONSTANTS.has(word[0])) return 'atom';
    return 'variableName';
  }
  stream.next();
  return 'punctuation';
}

function token(stream: StringStream, state: State): string | null {
  if (state.liquid) return liquidToken(stream, state, state.liquid);
  const open = stream.match(/^\{(\{|%)-?/) as RegExpMatchArray | null;
  if (open) {
    state.liquid = open[1] === '{' ? '}}' : '%}';
    return 'meta';
  }
  if (state.inComment) {
    while (!stream.eol()) {
      if (stream.match('-->')) {
        state.inComment = false;
        break;
      }
      if (stream.match(/^\{[{%]/, false)) break;
      stream.next();
    }
    return 'comment';
  }
  if (state.inTag) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^\/?>/)) {
      state.inTag = false;
      return 'angleBracket';
    }
    const quote = stream.peek();
    if (quote === '"' || quote === "'") {
      stream.next();
      // A Liquid output inside an attribute's value is coloured as Liquid: stop before it.
      while (!stream.eol() && !stream.match(/^\{[{%]/, false)) if (stream.next() === quote) break;
      return 'string';
    }
    if (stream.match(/^[^\s=>/"'{]+/)) return 'attributeName';
    stream.next();
    return 'operator';
  }
  if (stream.match('<!--')) {
    state.inComment = true;
    return 'comment';
  }
  if (stream.match(/^<\/?[A-Za-z][\w-]*/)) {
    state.inTag = true;
    return 'tagName';
  }
  if (stream.match(/^&[#\w]+;/)) return 'character';
  // Plain text up to the next thing worth colouring.
  stream.next();
  while (!stream.eol() && !/[<{&]/.test(stream.peek() ?? '')) stream.next();
  return null;
}

export const liquidLanguage = StreamLanguage.define<State>({
  name: 'liquid-html',
  startState: () => ({ liquid: null, filter: false, inTag: false, inComment: false }),
  copyState: (state) => ({ ...state }),
  token,
  languageData: { commentTokens: { block: { open: '<!--', close: '-->' } } },
});

const style = HighlightStyle.define([
  { tag: tags.meta, color: '#7c3aed', fontWeight: '600' },
  { tag: tags.keyword, color: '#7c3aed' },
  { tag: tags.function(tags.variableName), color: '#0e7490' },
  { tag: tags.variableName, color: '#1d4ed8' },
  { tag: tags.string, color: '#047857' },
  { tag: tags.number, color: '#b45309' },
  { tag: tags.atom, color: '#b45309' },
  { tag: tags.operator, color: '#64748b' },
  { tag: tags.tagName, color: '#9d174d' },
  { tag: tags.angleBracket, color: '#9d174d' },
  { tag: tags.attributeName, color: '#92400e' },
  { tag: tags.comment, color: '#6b7280', fontStyle: 'italic' },
  { tag: tags.character, color: '#b45309' },
]);

export const liquidHighlighting = syntaxHighlighting(style);
