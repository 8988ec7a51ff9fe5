/**
 * The grammar of profile conditions (segments, `if`, `exit when`): `or` over `and` over
 * `not`, parentheses, and the atoms (trait, tagged, in segment, consent, performed,
 * aggregates, first/last seen).
 */
import * as T from '../tokens.js';
import type { Alternatives } from './base.js';
import { WhereRules } from './where.js';

export abstract class ConditionRules extends WhereRules {
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
}
