/**
 * The grammar of the smallest pieces: comparisons (`= 3`, `in [..]`, `is missing`), values,
 * numbers, durations and dotted paths. Conditions, `where` clauses and steps use them.
 */
import * as T from '../tokens.js';
import { ParserBase, type Alternatives } from './base.js';

export abstract class ValueRules extends ParserBase {
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
    // Zero or more values between commas: a trailing or doubled comma is a syntax error.
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.value) });
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

  // Not AT_LEAST_ONE_SEP, as for `categories` (parser.ts): a missing first name stays a
  // missing token (ITN1101), not an early exit from a repetition (ITN1102).
  path = this.RULE('path', () => {
    this.CONSUME(T.Name);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME1(T.Name);
    });
  });
}
