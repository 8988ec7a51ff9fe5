/**
 * The parsed text of deployed rules versions, for what the dashboards show from the text
 * itself (a segment's declaration, a journey's diagram). Versions never change once
 * deployed, so a parse cached by version number is right in any process; a few are kept,
 * the active one and those that journeys still run on.
 */
import type { Program } from '../dsl/ast.js';
import { parseProgram } from '../dsl/index.js';
import { sourceReader, type SourceReader } from '../dsl/source-text.js';
import type { RulesDoc } from '../store/rules.js';

export interface ParsedRules {
  version: number;
  program: Program;
  reader: SourceReader;
}

const KEPT_VERSIONS = 16;

export function createRulesPrograms() {
  const parsed = new Map<number, ParsedRules>();
  return (rules: RulesDoc): ParsedRules => {
    const cached = parsed.get(rules._id);
    if (cached) {
      // Most recently used last: the first in the map is the one to drop.
      parsed.delete(rules._id);
      parsed.set(rules._id, cached);
      return cached;
    }
    const result = { version: rules._id, program: parseProgram(rules.source).program, reader: sourceReader(rules.source) };
    parsed.set(rules._id, result);
    if (parsed.size > KEPT_VERSIONS) parsed.delete(parsed.keys().next().value!);
    return result;
  };
}

export type RulesPrograms = ReturnType<typeof createRulesPrograms>;
