/**
 * Who reads a segment, as the segment's page lists it: segments built on it, journeys that
 * start, end or branch on it, and broadcasts sent to it.
 */
import { describe, expect, it } from 'vitest';
import { parseProgram } from '../../src/dsl/index.js';
import { segmentUsage } from '../../src/dsl/segment-usage.js';

const PROGRAM = `
consent email_marketing {
  expires after 365 days
}

segment readers "Readers" {
  tagged "reader"
}

segment loyal_readers {
  in segment readers and performed "Order Completed" at least 2 times
}

journey welcome {
  when enters segment readers
  requires consent email_marketing
  send email "welcome"
}

broadcast spring_sale "Spring sale" {
  to segment readers
  requires consent email_marketing
  send email "spring_sale"
}

broadcast loyal_thanks {
  to segment loyal_readers
  requires consent email_marketing
  send email "thanks"
}
`;

describe('segment usage', () => {
  const { program, diagnostics } = parseProgram(PROGRAM);

  it('parses the program without a problem', () => {
    expect(diagnostics).toEqual([]);
  });

  it('names the segments, journeys and broadcasts that read a segment', () => {
    expect(segmentUsage(program.declarations, 'readers')).toEqual({
      segments: ['loyal_readers'],
      journeys: ['welcome'],
      broadcasts: ['spring_sale'],
    });
    expect(segmentUsage(program.declarations, 'loyal_readers')).toEqual({ segments: [], journeys: [], broadcasts: ['loyal_thanks'] });
  });
});
