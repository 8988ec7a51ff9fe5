/** What the language server completes, from the words before the cursor on its line. */
import { describe, expect, it } from 'vitest';
import { completionSite } from '../../src/lsp/completion-context.js';

describe('completionSite', () => {
  it('reads a template inside the string after email', () => {
    expect(completionSite('  send email "wel')).toEqual({ kind: 'template', from: 14 });
    expect(completionSite('  confirm with email "')).toEqual({ kind: 'template', from: 22 });
  });

  it('reads an event name inside the string after performed, wait for, exit on and of', () => {
    expect(completionSite('  performed "Ebook Si')).toEqual({ kind: 'event', from: 13 });
    expect(completionSite('  wait for "')).toEqual({ kind: 'event', from: 12 });
    expect(completionSite('  exit on "Or')).toEqual({ kind: 'event', from: 11 });
    expect(completionSite('  sum "total" of "Ord')).toEqual({ kind: 'event', from: 18 });
  });

  it("reads a property of the event named before where, past the clause's earlier strings", () => {
    expect(completionSite('  performed "Order Completed" where cam')).toEqual({ kind: 'property', event: 'Order Completed', from: 36 });
    expect(completionSite('  performed "Order Completed" where source = "web" and campaign.na')).toEqual({
      kind: 'property',
      event: 'Order Completed',
      from: 55,
    });
  });

  it('reads a trait path after trait', () => {
    expect(completionSite('  trait address.ci')).toEqual({ kind: 'trait', from: 8 });
    expect(completionSite('  set trait ')).toEqual({ kind: 'trait', from: 12 });
  });

  it('reads a reference after segment or consent, but not the name a declaration gives', () => {
    expect(completionSite('  in segment fin')).toEqual({ kind: 'segment', from: 13 });
    expect(completionSite('  when enters segment ')).toEqual({ kind: 'segment', from: 22 });
    expect(completionSite('  requires consent ')).toEqual({ kind: 'consent', from: 19 });
    expect(completionSite('segment rea')).toEqual({ kind: 'word', from: 8 });
  });

  it('reads any other word as a keyword or a name', () => {
    expect(completionSite('  wai')).toEqual({ kind: 'word', from: 2 });
    expect(completionSite('')).toEqual({ kind: 'word', from: 0 });
  });
});
