/**
 * What every part of the grammar shares: the parser's configuration and the types of the
 * alternatives and repetitions that the rule classes build once, as fields.
 *
 * The grammar is a chain of classes, one per area of the language, each adding its rules
 * to those of the classes below it: values ← where clauses ← conditions ← journeys ←
 * declarations (parser.ts, which also runs the grammar analysis). A rule may only use
 * rules of its own area or of the areas below, so the chain is also a map of which parts
 * of the language are built from which.
 */
import type { DSLMethodOpts, IOrAlt } from 'chevrotain';
import { CstParser } from '../chevrotain.js';
import { friendlyErrorMessages } from '../syntax-messages.js';
import * as T from '../tokens.js';

/**
 * The alternatives of an `OR`, built once per parser rather than on every call (the
 * caching Chevrotain's performance guide recommends). Written inline, each call of a rule
 * would allocate one closure per alternative, and under tsx every `{ ALT: () => … }` also
 * runs a `__name` helper that redefines the closure's `name`: together about a third of
 * the parse time of a large program. The fields sit just above the rule that uses them;
 * their closures only read `this` when called, so the order of fields does not matter.
 */
export type Alternatives = IOrAlt<unknown>[];
/** A gated repetition, built once like the alternatives. */
export type ManyOptions = DSLMethodOpts<unknown>;

export abstract class ParserBase extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      // No node locations: spans come from tokens, and tracking them cost a third of the parse.
      nodeLocationTracking: 'none',
      errorMessageProvider: friendlyErrorMessages,
    });
  }
}
