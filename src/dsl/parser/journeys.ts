/**
 * The grammar of what a journey holds: its headers (trigger, consent or `operational`,
 * re-entry, exits, quiet hours, `on exit`) and its steps, with the blocks that nest steps in `if`, `split`, `for` and
 * `wait for`.
 */
import * as T from '../tokens.js';
import type { Alternatives } from './base.js';
import { ConditionRules } from './conditions.js';

export abstract class JourneyRules extends ConditionRules {
  /**
   * A header or a step; one rule so that the CST keeps their relative order. The gate: in
   * `exit` `on exit { … }` (a last step, then the block) the first two words look like
   * `exit on "<event>"`; the third tells them apart.
   */
  private readonly journeyItemKinds: Alternatives = [
    {
      GATE: () => !(this.LA(1).tokenType === T.Exit && this.LA(2).tokenType === T.On && this.LA(3).tokenType === T.Exit),
      ALT: () => this.SUBRULE(this.header),
    },
    { ALT: () => this.SUBRULE(this.step) },
  ];

  journeyItem = this.RULE('journeyItem', () => {
    this.OR(this.journeyItemKinds);
  });

  // ----------------------------------------------------------------- headers

  private readonly headerKinds: Alternatives = [
    { ALT: () => this.SUBRULE(this.triggerHeader) },
    { ALT: () => this.SUBRULE(this.requiresHeader) },
    { ALT: () => this.SUBRULE(this.reentryHeader) },
    { ALT: () => this.SUBRULE(this.exitOnHeader) },
    { ALT: () => this.SUBRULE(this.exitWhenHeader) },
    { ALT: () => this.SUBRULE(this.quietHoursHeader) },
    { ALT: () => this.SUBRULE(this.operationalHeader) },
    { ALT: () => this.SUBRULE(this.onExitHeader) },
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

  /** `operational`: the e-mail sent is not marketing (receipts, password resets, service notices). */
  operationalHeader = this.RULE('operationalHeader', () => {
    this.CONSUME(T.Operational);
  });

  /**
   * `on exit { … }`: steps run once when the run ends. Any step parses here so that a wait
   * or a send inside gets the checker's message, not a syntax error.
   */
  onExitHeader = this.RULE('onExitHeader', () => {
    this.CONSUME(T.On);
    this.CONSUME(T.Exit);
    this.SUBRULE(this.block);
  });

  // ----------------------------------------------------------------- steps

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
}
