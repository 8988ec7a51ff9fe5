/**
 * An editor's side of the protocol, for tests: `itinera lsp` in a child process (the CLI's
 * sources under tsx), spoken to over its standard input and output as an editor does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CompletionItem,
  type Diagnostic,
  type Hover,
  type Location,
  type MessageConnection,
  type Position,
} from 'vscode-languageserver/node';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface LspClient {
  /** Opens a document; resolves with the diagnostics the server publishes for it. */
  open(uri: string, text: string): Promise<Diagnostic[]>;
  /** Replaces a document's text, as typing does; resolves with the diagnostics published for it. */
  change(uri: string, version: number, text: string): Promise<Diagnostic[]>;
  completion(uri: string, position: Position): Promise<CompletionItem[]>;
  hover(uri: string, position: Position): Promise<Hover | null>;
  definition(uri: string, position: Position): Promise<Location | null>;
  /** Everything the server wrote on standard output so far, as bytes. */
  stdout(): Buffer;
  /** Shutdown and exit, as an editor ends a session; resolves with the exit code once the output is all read. */
  close(): Promise<number | null>;
}

export async function startLspClient(env: NodeJS.ProcessEnv = {}): Promise<LspClient> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lsp', '--stdio'], {
    cwd: REPO_ROOT,
    // Without ITINERA_URL the server works from the program alone.
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const written: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => written.push(chunk));
  // Logs are not this client's business; read so that a full pipe never blocks the server.
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const connection: MessageConnection = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const waiting = new Map<string, (diagnostics: Diagnostic[]) => void>();
  connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
    waiting.get(params.uri)?.(params.diagnostics);
    waiting.delete(params.uri);
  });
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});

  return {
    async open(uri, text) {
      const published = new Promise<Diagnostic[]>((resolve) => waiting.set(uri, resolve));
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'itinera', version: 1, text } });
      return published;
    },
    async change(uri, version, text) {
      const published = new Promise<Diagnostic[]>((resolve) => waiting.set(uri, resolve));
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return published;
    },
    completion: (uri, position) => connection.sendRequest('textDocument/completion', { textDocument: { uri }, position }),
    hover: (uri, position) => connection.sendRequest('textDocument/hover', { textDocument: { uri }, position }),
    definition: (uri, position) => connection.sendRequest('textDocument/definition', { textDocument: { uri }, position }),
    stdout: () => Buffer.concat(written),
    async close() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      const code = await exited;
      connection.dispose();
      return code;
    },
  };
}
