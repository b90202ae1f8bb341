// The language status item (under the `{}` beside "Python" in the status bar): the server's state.
import * as vscode from 'vscode';

export type ServerState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'ready'; readonly detail: string }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly detail: string };

export class ServerStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor(selector: vscode.DocumentSelector) {
    this.item = vscode.languages.createLanguageStatusItem('nanguard.server', selector);
    this.item.name = 'nanguard';
    this.show({ kind: 'starting' });
  }

  show(state: ServerState): void {
    const item = this.item;
    item.busy = state.kind === 'starting';
    item.severity = state.kind === 'error' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    switch (state.kind) {
      case 'starting':
        item.text = 'nanguard: starting';
        item.detail = undefined;
        item.command = { title: 'Show Output', command: 'nanguard.showOutput' };
        break;
      case 'ready':
        item.text = 'nanguard: ready';
        item.detail = state.detail;
        item.command = { title: 'Show Output', command: 'nanguard.showOutput' };
        break;
      case 'stopped':
        item.text = 'nanguard: stopped';
        item.detail = undefined;
        item.command = { title: 'Restart', command: 'nanguard.restart' };
        break;
      case 'error':
        item.text = 'nanguard: error';
        item.detail = state.detail;
        item.command = { title: 'Show Output', command: 'nanguard.showOutput' };
        break;
    }
    item.accessibilityInformation = { label: `${item.text}${item.detail ? `. ${item.detail}` : ''}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
