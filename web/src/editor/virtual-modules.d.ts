/** The compiler's keywords, read from src/dsl/tokens.ts when the console is built (web/vite.config.ts). */
declare module 'virtual:itn-keywords' {
  const keywords: string[];
  export default keywords;
}
