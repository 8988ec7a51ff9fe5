/* global require, exports, process */
/* eslint-disable @typescript-eslint/no-require-imports -- VS Code loads an extension as CommonJS */
// The smallest VS Code client of `itinera lsp`: VS Code has no client for a language server
// that an extension does not start, so this one only starts it, for .itn files. Everything
// the editor shows comes from the server. See docs/editors.md.
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

exports.activate = async function activate() {
  const [command, ...args] = vscode.workspace.getConfiguration('itinera').get('command');
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // npx is a script on Windows: only a shell runs it there.
  const options = { cwd, shell: process.platform === 'win32' };
  client = new LanguageClient(
    'itinera',
    'Itinera rules',
    { command, args, transport: TransportKind.stdio, options },
    { documentSelector: [{ language: 'itinera' }] },
  );
  await client.start();
};

exports.deactivate = function deactivate() {
  return client?.stop();
};
