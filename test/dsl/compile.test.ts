import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';

describe('compile', () => {
  it('compiles the smallest journey', () => {
    const result = compile('journey hello { when performed "Signed Up" tag "hello" }');
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.journeys[0]).toMatchObject({
      name: 'hello',
      trigger: { kind: 'performed', event: 'Signed Up' },
      steps: [{ kind: 'tag', tag: 'hello' }],
    });
  });

  it('reports a syntax error with its position and no IR', () => {
    const result = compile('journey hello {\n  when performed "Signed Up"\n  tag\n}');
    expect(result.ir).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: 'ITN1101', severity: 'error', line: 4, column: 1, message: "expected a string but found '}'" }),
    ]);
  });
});
