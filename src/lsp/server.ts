/**
 * The language server for `.itn` programs (`itinera lsp`): the protocol over standard input
 * and output, on vscode-languageserver. Diagnostics come from the compiler as `itinera
 * check` runs it; completion, hover and go to definition from the program and, when
 * ITINERA_URL names a running server, from its data (./server-data.ts).
 *
 * Standard output carries the protocol and nothing else: logs go to standard error.
 */
import { pino } from 'pino';
import { createConnection, TextDocuments, TextDocumentSyncKind, type Connection, type Position } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLogger, type Logger } from '../logger.js';
import { analyse, type Analysis } from './analysis.js';
import { complete } from './completion.js';
import { definition } from './definition.js';
import { hover } from './hover.js';
import { serverDataFrom } from './server-data.js';

/**
 * How long typing pauses before a program is checked again: on a 2,000-line program the
 * compiler takes up to 190 ms, which every keystroke would otherwise queue up.
 */
const DIAGNOSTICS_DELAY_MS = 150;

export interface LanguageServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/** Logs to standard error, at LOG_LEVEL as the server reads it (default: warnings). */
export function stderrLogger(env: NodeJS.ProcessEnv): Logger {
  return createLogger(env.LOG_LEVEL ?? 'warn', pino.destination({ dest: 2, sync: true }));
}

export function startLanguageServer(options: LanguageServerOptions): Connection {
  const { log } = options;
  const connection = createConnection(options.input, options.output);
  const documents = new TextDocuments(TextDocument);
  const server = serverDataFrom(options.env, log);
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  const pending = new Map<string, NodeJS.Timeout>();

  /** The analysis of a document's current version, made on first need. */
  const analysisOf = (document: TextDocument): Analysis => {
    const known = analyses.get(document.uri);
    if (known?.version === document.version) return known.analysis;
    const analysis = analyse(document.getText());
    analyses.set(document.uri, { version: document.version, analysis });
    return analysis;
  };

  const lineText = (document: TextDocument, position: Position): string =>
    document
      .getText({ start: { line: position.line, character: 0 }, end: { line: position.line + 1, character: 0 } })
      .replace(/\r?\n$/, '');

  const publish = (uri: string) => {
    pending.delete(uri);
    const document = documents.get(uri);
    if (!document) return;
    void connection.sendDiagnostics({ uri, version: document.version, diagnostics: analysisOf(document).diagnostics });
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      // Inside a string an event or template name is wanted at once; a path goes on after a dot.
      completionProvider: { triggerCharacters: ['"', '.'] },
      hoverProvider: true,
      definitionProvider: true,
    },
    serverInfo: { name: 'itinera' },
  }));

  documents.onDidChangeContent(({ document }) => {
    clearTimeout(pending.get(document.uri));
    pending.set(
      document.uri,
      setTimeout(() => publish(document.uri), DIAGNOSTICS_DELAY_MS),
    );
  });

  documents.onDidClose(({ document }) => {
    clearTimeout(pending.get(document.uri));
    pending.delete(document.uri);
    analyses.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onCompletion(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return [];
    return complete({
      analysis: analysisOf(document),
      lineText: lineText(document, position),
      position,
      catalog: async () => server?.catalog(),
    });
  });

  connection.onHover(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return null;
    return hover(analysisOf(document), lineText(document, position), position, server);
  });

  connection.onDefinition(({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return null;
    return definition(analysisOf(document), document.uri, lineText(document, position), position);
  });

  documents.listen(connection);
  connection.listen();
  log.info({ server: server?.url ?? null }, 'itinera language server started');
  return connection;
}
