// "nanguard: Fix all in file": applies the server's `source.fixAll.nanguard` action, the same one
// `editor.codeActionsOnSave` runs, to the active editor.
import * as vscode from 'vscode';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('nanguard');

export async function fixAllInActiveEditor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') {
    void vscode.window.showInformationMessage('nanguard: open a Python file to fix.');
    return;
  }
  const document = editor.document;
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[] | undefined>(
    'vscode.executeCodeActionProvider',
    document.uri,
    whole,
    FIX_ALL_KIND.value,
    // Resolve the actions' edits if the server computes them lazily.
    Number.MAX_SAFE_INTEGER,
  );
  const fixAll = actions?.find((action) => action.kind && FIX_ALL_KIND.contains(action.kind));
  const edit = fixAll?.edit && fixAll.edit.size > 0 ? fixAll.edit : undefined;
  if (!fixAll || (!edit && !fixAll.command)) {
    void vscode.window.showInformationMessage('nanguard: nothing to fix in this file.');
    return;
  }
  if (edit && !(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage('nanguard: the fixes could not be applied (the file changed meanwhile?). Try again.');
    return;
  }
  if (fixAll.command) {
    await vscode.commands.executeCommand(fixAll.command.command, ...((fixAll.command.arguments ?? []) as unknown[]));
  }
}
