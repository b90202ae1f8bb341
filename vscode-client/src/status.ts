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
    item.text = `nanguard: ${state.kind}`;
    item.detail = state.kind === 'ready' || state.kind === 'error' ? state.detail : undefined;
    item.command =
      state.kind === 'stopped'
        ? { title: 'Restart', command: 'nanguard.restart' }
        : { title: 'Show Output', command: 'nanguard.showOutput' };
    item.accessibilityInformation = { label: `${item.text}${item.detail ? `. ${item.detail}` : ''}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
