/**
 * Chevrotain's values, loaded from the single-file build its package ships beside the
 * entry point. The entry point is an ES module per source file that pulls in some 650
 * files of lodash-es: loading those costs every `itinera check` about 300 ms, the one file
 * a few. Types still come from the package itself (`import type … from 'chevrotain'`).
 * Should an upgrade move the file, the package entry is used: slower, never broken.
 */
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    return (await import(new URL('../chevrotain.mjs', import.meta.resolve('chevrotain')).href)) as typeof Chevrotain;
  } catch {
    return import('chevrotain');
  }
}

const chevrotain = await load();

export const { CstParser, EOF, Lexer, createToken } = chevrotain;
