// Entry point: wires the server, the status item, the commands and the change events together.
import * as vscode from 'vscode';

import { fixAllInActiveEditor } from './fixAll';
import { PythonEnvironments } from './pythonExtension';
import { NanguardServer } from './server';
import { ServerStatus } from './status';

let server: NanguardServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('nanguard', { log: true });
  const python = new PythonEnvironments(log);
  const status = new ServerStatus({ language: 'python' });
  server = new NanguardServer(context.extensionPath, log, python, status);
  const running = server;
  context.subscriptions.push(
    log,
    python,
    status,
    vscode.commands.registerCommand('nanguard.restart', async () => {
      await running.restart('the Restart Server command');
    }),
    vscode.commands.registerCommand('nanguard.showOutput', () => {
      log.show();
    }),
    vscode.commands.registerCommand('nanguard.fixAll', fixAllInActiveEditor),
    vscode.workspace.onDidChangeConfiguration((event) => {
      running.onConfigurationChanged(event);
    }),
    python.onDidChange(() => {
      running.onPythonEnvironmentChanged();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      await running.restart('the workspace is now trusted');
    }),
  );
  // Activation returns at once; the status item shows the server starting.
  void running.restart('activation');
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
