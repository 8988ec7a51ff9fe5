/**
 * The grammar, as one Chevrotain CstParser reused for every parse (building a parser runs
 * its grammar analysis, far too slow to do per request). Error recovery is on, so one run
 * reports several syntax errors. The parser only recognises shape; meaning is given by
 * to-ast.ts (CST → AST) and checked by check.ts.
 *
 * Rules are class fields, so a misspelt SUBRULE is a compile error.
 */
import type { CstNode, DSLMethodOpts, IOrAlt, IToken, TokenType } from 'chevrotain';
import { CstParser } from './chevrotain.js';
import { friendlyErrorMessages } from './syntax-messages.js';
import * as T from './tokens.js';

/** Tokens that can begin a `<path> <comparison>` after the path. */
const COMPARISON_STARTS: readonly TokenType[] = [T.CompareOp, T.In, T.Not, T.Contains, T.Starts, T.Exists, T.Is];

/**
 * The alternatives of an `OR`, built once per parser rather than on every call (the
 * caching Chevrotain's performance guide recommends). Written inline, each call of a rule
 * would allocate one closure per alternative, and under tsx every `{ ALT: () => … }` also
 * runs a `__name` helper that redefines the closure's `name`: together about a third of
 * the parse time of a large program. The fields sit just above the rule that uses them;
 * their closures only read `this` when called, so the order of fields does not matter.
 */
type Alternatives = IOrAlt<unknown>[];
type ManyOptions = DSLMethodOpts<unknown>;

export class ItineraParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      // No node locations: spans come from tokens, and tracking them cost a third of the parse.
      nodeLocationTracking: 'none',
      errorMessageProvider: friendlyErrorMessages,
    });
    this.performSelfAnalysis();
  }

  /** Parses a token sequence holding zero or more declarations. */
  parseDeclarations(tokens: IToken[]): { cst: CstNode; errors: ItineraParser['errors'] } {
    this.input = tokens;
    const cst = this.declarations();
    return { cst, errors: this.errors };
  }

  // ----------------------------------------------------------------- declarations

  private readonly declarationKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.consentDecl) },
    { ALT: () => this.SUBRULE(this.segmentDecl) },
    { ALT: () => this.SUBRULE(this.journeyDecl) },
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

  /** A header or a step; one rule so that the CST keeps their relative order. */
  private readonly journeyItemKinds: Alternatives = [{ ALT: () => this.SUBRULE(this.header) }, { ALT: () => this.SUBRULE(this.step) }];

  journeyItem = this.RULE('journeyItem', () => {
    this.OR(this.journeyItemKinds);
  });

  // ----------------------------------------------------------------- journey headers

  private readonly headerKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.triggerHeader) },
    { ALT: () => this.SUBRULE(this.requiresHeader) },
    { ALT: () => this.SUBRULE(this.reentryHeader) },
    { ALT: () => this.SUBRULE(this.exitOnHeader) },
    { ALT: () => this.SUBRULE(this.exitWhenHeader) },
    { ALT: () => this.SUBRULE(this.quietHoursHeader) },
  ];

  header = this.RULE('header', () => {
    this.OR(this.headerKinds);
  });

  private readonly triggerKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Performed);
        this.CONSUME(T.StringLiteral);
        this.OPTION(() => this.SUBRULE(this.whereClause));
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Enters);
        this.CONSUME(T.Segment);
        this.CONSUME(T.Name, { LABEL: 'name' });
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Exits);
        this.CONSUME1(T.Segment);
        this.CONSUME1(T.Name, { LABEL: 'name' });
      },
    },
    {
      // `when in segment`: as `enters`, and also those already members when the segment is first computed.
      ALT: () => {
        this.CONSUME(T.In);
        this.CONSUME2(T.Segment);
        this.CONSUME2(T.Name, { LABEL: 'name' });
      },
    },
  ];

  triggerHeader = this.RULE('triggerHeader', () => {
    this.CONSUME(T.When);
    this.OR(this.triggerKinds);
  });

  requiresHeader = this.RULE('requiresHeader', () => {
    this.CONSUME(T.Requires);
    this.CONSUME(T.Consent);
    this.CONSUME(T.Name, { LABEL: 'name' });
  });

  private readonly reentryPolicies: Alternatives = [
    { ALT: () => this.CONSUME(T.Never) },
    { ALT: () => this.CONSUME(T.Always) },
    {
      ALT: () => {
        this.CONSUME(T.After);
        this.SUBRULE(this.duration);
      },
    },
  ];

  reentryHeader = this.RULE('reentryHeader', () => {
    this.CONSUME(T.Reentry);
    this.OR(this.reentryPolicies);
  });

  exitOnHeader = this.RULE('exitOnHeader', () => {
    this.CONSUME(T.Exit);
    this.CONSUME(T.On);
    this.CONSUME(T.StringLiteral);
    this.OPTION(() => this.SUBRULE(this.whereClause));
  });

  exitWhenHeader = this.RULE('exitWhenHeader', () => {
    this.CONSUME(T.Exit);
    this.CONSUME(T.When);
    this.SUBRULE(this.orCondition);
  });

  quietHoursHeader = this.RULE('quietHoursHeader', () => {
    this.CONSUME(T.Quiet);
    this.CONSUME(T.Hours);
    this.CONSUME(T.TimeLiteral);
    this.CONSUME(T.Minus);
    this.CONSUME1(T.TimeLiteral);
  });

  // ----------------------------------------------------------------- journey steps

  private readonly stepKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.tagStep) },
    { ALT: () => this.SUBRULE(this.setTraitStep) },
    { ALT: () => this.SUBRULE(this.sendStep) },
    { ALT: () => this.SUBRULE(this.waitStep) },
    { ALT: () => this.SUBRULE(this.ifStep) },
    { ALT: () => this.SUBRULE(this.splitStep) },
    { ALT: () => this.SUBRULE(this.forStep) },
    { ALT: () => this.SUBRULE(this.exitStep) },
  ];

  step = this.RULE('step', () => {
    this.OR(this.stepKinds);
  });

  private readonly tagKeywords: Alternatives = [{ ALT: () => this.CONSUME(T.Tag) }, { ALT: () => this.CONSUME(T.Untag) }];

  tagStep = this.RULE('tagStep', () => {
    this.OR(this.tagKeywords);
    this.CONSUME(T.StringLiteral);
  });

  setTraitStep = this.RULE('setTraitStep', () => {
    this.CONSUME(T.Set);
    this.CONSUME(T.Trait);
    this.SUBRULE(this.path);
    this.CONSUME(T.Equal);
    this.SUBRULE(this.value);
  });

  private readonly sendChannels: Alternatives = [{ ALT: () => this.CONSUME(T.Email) }, { ALT: () => this.CONSUME(T.Webhook) }];

  sendStep = this.RULE('sendStep', () => {
    this.CONSUME(T.Send);
    this.OR(this.sendChannels);
    this.CONSUME(T.StringLiteral);
    this.OPTION(() => this.SUBRULE(this.withMap));
  });

  withMap = this.RULE('withMap', () => {
    this.CONSUME(T.With);
    this.CONSUME(T.LCurly);
    // Commas between entries are optional, so a trailing comma or one entry per line both read naturally.
    this.MANY(() => {
      this.SUBRULE(this.withEntry);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  private readonly withKeys: Alternatives = [{ ALT: () => this.CONSUME(T.Name) }, { ALT: () => this.CONSUME(T.StringLiteral) }];

  withEntry = this.RULE('withEntry', () => {
    this.OR(this.withKeys);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.value);
  });

  private readonly waitKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.duration) },
    {
      ALT: () => {
        this.CONSUME(T.Until);
        this.CONSUME(T.TimeLiteral);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.For);
        this.CONSUME(T.StringLiteral);
        this.OPTION(() => this.SUBRULE(this.whereClause));
        this.CONSUME(T.Up);
        this.CONSUME(T.To);
        this.SUBRULE1(this.duration);
        this.OPTION1(() => {
          this.CONSUME(T.Then);
          this.SUBRULE(this.block, { LABEL: 'thenBlock' });
        });
        this.OPTION2(() => {
          this.CONSUME(T.Otherwise);
          this.SUBRULE1(this.block, { LABEL: 'otherwiseBlock' });
        });
      },
    },
  ];

  waitStep = this.RULE('waitStep', () => {
    this.CONSUME(T.Wait);
    this.OR(this.waitKinds);
  });

  private readonly elseKinds: Alternatives = [
    { ALT: () => this.SUBRULE1(this.block, { LABEL: 'elseBlock' }) },
    { ALT: () => this.SUBRULE(this.ifStep, { LABEL: 'elseIf' }) },
  ];

  ifStep = this.RULE('ifStep', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.orCondition);
    this.SUBRULE(this.block, { LABEL: 'thenBlock' });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR(this.elseKinds);
    });
  });

  splitStep = this.RULE('splitStep', () => {
    this.CONSUME(T.Split);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.splitBranch));
    this.CONSUME(T.RCurly);
  });

  splitBranch = this.RULE('splitBranch', () => {
    this.CONSUME(T.PercentLiteral);
    this.SUBRULE(this.block);
  });

  forStep = this.RULE('forStep', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Name, { LABEL: 'variable' });
    this.CONSUME(T.In);
    this.SUBRULE(this.signedNumber, { LABEL: 'from' });
    this.CONSUME(T.DotDot);
    this.SUBRULE1(this.signedNumber, { LABEL: 'to' });
    this.SUBRULE(this.block);
  });

  exitStep = this.RULE('exitStep', () => {
    this.CONSUME(T.Exit);
  });

  block = this.RULE('block', () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.step));
    this.CONSUME(T.RCurly);
  });

  // ----------------------------------------------------------------- conditions

  orCondition = this.RULE('orCondition', () => {
    this.SUBRULE(this.andCondition);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE1(this.andCondition);
    });
  });

  andCondition = this.RULE('andCondition', () => {
    this.SUBRULE(this.notCondition);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE1(this.notCondition);
    });
  });

  private readonly notConditionKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Not);
        this.SUBRULE(this.notCondition);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.LParen);
        this.SUBRULE(this.orCondition);
        this.CONSUME(T.RParen);
      },
    },
    { ALT: () => this.SUBRULE(this.conditionAtom) },
  ];

  notCondition = this.RULE('notCondition', () => {
    this.OR(this.notConditionKinds);
  });

  private readonly atomKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.traitAtom) },
    { ALT: () => this.SUBRULE(this.taggedAtom) },
    { ALT: () => this.SUBRULE(this.inSegmentAtom) },
    { ALT: () => this.SUBRULE(this.consentAtom) },
    { ALT: () => this.SUBRULE(this.performedAtom) },
    { ALT: () => this.SUBRULE(this.aggregateAtom) },
    { ALT: () => this.SUBRULE(this.seenAtom) },
  ];

  conditionAtom = this.RULE('conditionAtom', () => {
    this.OR(this.atomKinds);
  });

  traitAtom = this.RULE('traitAtom', () => {
    this.CONSUME(T.Trait);
    this.SUBRULE(this.path);
    this.SUBRULE(this.comparison);
  });

  taggedAtom = this.RULE('taggedAtom', () => {
    this.CONSUME(T.Tagged);
    this.OPTION(() => this.CONSUME(T.Like));
    this.CONSUME(T.StringLiteral);
  });

  inSegmentAtom = this.RULE('inSegmentAtom', () => {
    this.CONSUME(T.In);
    this.CONSUME(T.Segment);
    this.CONSUME(T.Name, { LABEL: 'name' });
  });

  private readonly consentStates: Alternatives = [
    { ALT: () => this.CONSUME(T.Granted) },
    { ALT: () => this.CONSUME(T.Denied) },
    { ALT: () => this.CONSUME(T.Revoked) },
    { ALT: () => this.CONSUME(T.Missing) },
    { ALT: () => this.CONSUME(T.Pending) },
  ];

  consentAtom = this.RULE('consentAtom', () => {
    this.CONSUME(T.Consent);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.Is);
    this.OR(this.consentStates);
  });

  private readonly performedClauseKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.countClause) },
    { ALT: () => this.SUBRULE(this.withinClause) },
  ];

  performedAtom = this.RULE('performedAtom', () => {
    this.CONSUME(T.Performed);
    this.CONSUME(T.StringLiteral);
    this.OPTION(() => this.SUBRULE(this.whereClause));
    this.MANY(() => this.OR(this.performedClauseKinds));
  });

  private readonly atLeastOrMost: Alternatives = [{ ALT: () => this.CONSUME(T.Least) }, { ALT: () => this.CONSUME(T.Most) }];

  private readonly countBounds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.At);
        this.OR1(this.atLeastOrMost);
      },
    },
    { ALT: () => this.CONSUME(T.Exactly) },
  ];

  countClause = this.RULE('countClause', () => {
    this.OR(this.countBounds);
    this.SUBRULE(this.signedNumber);
    this.CONSUME(T.Times);
  });

  withinClause = this.RULE('withinClause', () => {
    this.CONSUME(T.Within);
    this.SUBRULE(this.duration);
  });

  aggregateAtom = this.RULE('aggregateAtom', () => {
    this.CONSUME(T.AggregateFn);
    this.CONSUME(T.StringLiteral, { LABEL: 'property' });
    this.CONSUME(T.Of);
    this.CONSUME1(T.StringLiteral, { LABEL: 'event' });
    this.OPTION(() => this.SUBRULE(this.withinClause));
    this.CONSUME(T.CompareOp);
    this.SUBRULE(this.signedNumber);
  });

  private readonly firstOrLast: Alternatives = [{ ALT: () => this.CONSUME(T.First) }, { ALT: () => this.CONSUME(T.Last) }];

  private readonly seenRelations: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Within);
        this.SUBRULE(this.duration);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.More);
        this.CONSUME(T.Than);
        this.SUBRULE1(this.duration);
        this.CONSUME(T.Ago);
      },
    },
  ];

  seenAtom = this.RULE('seenAtom', () => {
    this.OR(this.firstOrLast);
    this.CONSUME(T.Seen);
    this.OR1(this.seenRelations);
  });

  // ----------------------------------------------------------------- `where` clauses

  /**
   * `where <prop-condition>`. Inside a profile condition, `and`/`or` after a `where` are
   * ambiguous (`performed "x" where a = 1 and tagged "y"`): they continue the `where` only
   * when a property comparison follows, otherwise they belong to the enclosing condition.
   */
  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.propOr);
  });

  // The gated repetitions are built once, like the alternatives (see `Alternatives`).
  private readonly moreOrOperands: ManyOptions = {
    GATE: () => this.propAtomAhead(2),
    DEF: () => {
      this.CONSUME(T.Or);
      this.SUBRULE1(this.propAnd);
    },
  };

  propOr = this.RULE('propOr', () => {
    this.SUBRULE(this.propAnd);
    this.MANY(this.moreOrOperands);
  });

  private readonly moreAndOperands: ManyOptions = {
    GATE: () => this.propAtomAhead(2),
    DEF: () => {
      this.CONSUME(T.And);
      this.SUBRULE1(this.propNot);
    },
  };

  propAnd = this.RULE('propAnd', () => {
    this.SUBRULE(this.propNot);
    this.MANY(this.moreAndOperands);
  });

  private readonly propNotKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Not);
        this.SUBRULE(this.propNot);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.LParen);
        this.SUBRULE(this.propOr);
        this.CONSUME(T.RParen);
      },
    },
    {
      ALT: () => {
        this.SUBRULE(this.path);
        this.SUBRULE(this.comparison);
      },
    },
  ];

  propNot = this.RULE('propNot', () => {
    this.OR(this.propNotKinds);
  });

  /** Whether the tokens from LA(k) on read as a property condition: `not`/`(`… then `path <cmp>`. */
  private propAtomAhead(k: number): boolean {
    let i = k;
    while (this.isToken(this.LA(i), T.Not) || this.isToken(this.LA(i), T.LParen)) i++;
    if (!this.isToken(this.LA(i), T.Name)) return false;
    i++;
    while (this.isToken(this.LA(i), T.Dot) && this.isToken(this.LA(i + 1), T.Name)) i += 2;
    const next = this.LA(i);
    return COMPARISON_STARTS.some((type) => this.isToken(next, type));
  }

  private isToken(token: IToken, type: TokenType): boolean {
    const actual = token.tokenType;
    return actual === type || (actual.CATEGORIES ?? []).includes(type);
  }

  // ----------------------------------------------------------------- comparisons and values

  private readonly comparisonKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.CompareOp);
        this.SUBRULE(this.value);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.In);
        this.SUBRULE(this.valueList);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Not);
        this.CONSUME1(T.In);
        this.SUBRULE1(this.valueList);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Contains);
        this.SUBRULE2(this.value);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Starts);
        this.CONSUME(T.With);
        this.SUBRULE3(this.value);
      },
    },
    { ALT: () => this.CONSUME(T.Exists) },
    {
      ALT: () => {
        this.CONSUME(T.Is);
        this.OPTION(() => this.CONSUME1(T.Not));
        this.CONSUME(T.Missing);
      },
    },
  ];

  comparison = this.RULE('comparison', () => {
    this.OR(this.comparisonKinds);
  });

  valueList = this.RULE('valueList', () => {
    this.CONSUME(T.LSquare);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.value);
      });
    });
    this.CONSUME(T.RSquare);
  });

  private readonly valueKinds: Alternatives = [
    { ALT: () => this.CONSUME(T.StringLiteral) },
    { ALT: () => this.SUBRULE(this.signedNumber) },
    { ALT: () => this.CONSUME(T.True) },
    { ALT: () => this.CONSUME(T.False) },
    { ALT: () => this.CONSUME(T.Null) },
    { ALT: () => this.CONSUME(T.DateLiteral) },
    { ALT: () => this.CONSUME(T.TimeLiteral) },
    // A loop variable; any non-reserved word, so `for day in 1..5` can use `day`.
    { ALT: () => this.CONSUME(T.Name, { LABEL: 'variable' }) },
  ];

  value = this.RULE('value', () => {
    this.OR(this.valueKinds);
  });

  signedNumber = this.RULE('signedNumber', () => {
    this.OPTION(() => this.CONSUME(T.Minus));
    this.CONSUME(T.NumberLiteral);
  });

  duration = this.RULE('duration', () => {
    this.SUBRULE(this.signedNumber);
    this.CONSUME(T.TimeUnit);
  });

  path = this.RULE('path', () => {
    this.CONSUME(T.Name);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME1(T.Name);
    });
  });
}

/** The one parser instance; parsing resets its state, so it is safe to reuse call after call. */
export const itineraParser = new ItineraParser();
