/**
 * Chevrotain for the compiler in the browser (web/vite.config.ts puts this module in place
 * of src/dsl/chevrotain.ts): the same values, from the package's ES modules.
 */
export { CstParser, EOF, Lexer, createToken } from 'chevrotain';
