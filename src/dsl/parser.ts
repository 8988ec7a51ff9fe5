/**
 * The grammar, as one Chevrotain CstParser reused for every parse (building a parser runs
 * its grammar analysis, far too slow to do per request). Error recovery is on, so one run
 * reports several syntax errors. The parser only recognises shape; meaning is given by
 * to-ast.ts (CST → AST) and checked by check.ts.
 *
 * The rules are split by area of the language into parser/ (see parser/base.ts); this
 * module adds the top: the declarations, and the finished parser. Rules are class fields,
 * so a misspelt SUBRULE is a compile error. The types of the trees the rules build are
 * generated from them into cst.ts (`npm run cst`).
 */
import type { CstNode, IToken } from 'chevrotain';
import * as T from './tokens.js';
import type { Alternatives } from './parser/base.js';
import { JourneyRules } from './parser/journeys.js';

export class ItineraParser extends JourneyRules {
  constructor() {
    super();
    // Last, once every rule of every class in the chain is defined.
    this.performSelfAnalysis();
  }

  /** Parses a token sequence holding zero or more declarations. */
  parseDeclarations(tokens: IToken[]): { cst: CstNode; errors: ItineraParser['errors'] } {
    this.input = tokens;
    const cst = this.declarations();
    return { cst, errors: this.errors };
  }

  private readonly declarationKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.consentDecl) },
    { ALT: () => this.SUBRULE(this.segmentDecl) },
    { ALT: () => this.SUBRULE(this.journeyDecl) },
    { ALT: () => this.SUBRULE(this.broadcastDecl) },
  ];

  declarations = this.RULE('declarations', () => {
    this.MANY(() => this.OR(this.declarationKinds));
  });

  consentDecl = this.RULE('consentDecl', () => {
    this.CONSUME(T.Consent);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.consentClause));
    this.CONSUME(T.RCurly);
  });

  private readonly consentClauseKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Expires);
        this.CONSUME(T.After);
        this.SUBRULE(this.duration);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Remind);
        this.SUBRULE1(this.duration);
        this.CONSUME(T.Before);
        this.CONSUME(T.Expiry);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Categories);
        // Not AT_LEAST_ONE_SEP: on `categories }` that reports an early exit, "expected a
        // consent clause" (ITN1102), where this says what is missing: "expected a string" (ITN1101).
        this.CONSUME(T.StringLiteral);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.CONSUME1(T.StringLiteral);
        });
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Confirm);
        this.CONSUME(T.With);
        this.CONSUME(T.Email);
        this.CONSUME2(T.StringLiteral);
      },
    },
  ];

  consentClause = this.RULE('consentClause', () => {
    this.OR(this.consentClauseKinds);
  });

  segmentDecl = this.RULE('segmentDecl', () => {
    this.CONSUME(T.Segment);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.orCondition);
    this.CONSUME(T.RCurly);
  });

  journeyDecl = this.RULE('journeyDecl', () => {
    this.CONSUME(T.Journey);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.journeyItem));
    this.CONSUME(T.RCurly);
  });

  broadcastDecl = this.RULE('broadcastDecl', () => {
    this.CONSUME(T.Broadcast);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.broadcastClause));
    this.CONSUME(T.RCurly);
  });

  /**
   * What a broadcast holds, in any order: its audience, the consents it requires (or
   * `operational`), its rate
   * and quiet hours (written as a journey's), and its one send (the checker wants exactly
   * one, and an e-mail).
   */
  private readonly broadcastClauseKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.To);
        this.CONSUME(T.Segment);
        this.CONSUME(T.Name, { LABEL: 'name' });
      },
    },
    { ALT: () => this.SUBRULE(this.requiresHeader) },
    { ALT: () => this.SUBRULE(this.operationalHeader) },
    { ALT: () => this.SUBRULE(this.quietHoursHeader) },
    {
      ALT: () => {
        this.CONSUME(T.At);
        this.CONSUME(T.Most);
        this.CONSUME(T.NumberLiteral);
        this.CONSUME(T.Per);
        this.CONSUME(T.TimeUnit);
      },
    },
    { ALT: () => this.SUBRULE(this.sendStep) },
  ];

  broadcastClause = this.RULE('broadcastClause', () => {
    this.OR(this.broadcastClauseKinds);
  });
}

/** The one parser instance; parsing resets its state, so it is safe to reuse call after call. */
export const itineraParser = new ItineraParser();
