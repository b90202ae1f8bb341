// The part of the Python extension's API (@vscode/python-extension) that nanguard uses, answered
// from the python.defaultInterpreterPath setting: a change to it is an interpreter selection.
const vscode = require('vscode');

exports.activate = (context) => {
  const changed = new vscode.EventEmitter();
  const selected = () => vscode.workspace.getConfiguration('python').get('defaultInterpreterPath', 'python');
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('python.defaultInterpreterPath')) changed.fire({ id: selected(), path: selected() });
    }),
  );
  return {
    environments: {
      getActiveEnvironmentPath: () => ({ id: selected(), path: selected() }),
      resolveEnvironment: async (environment) => {
        const path = typeof environment === 'string' ? environment : environment.path;
        return { id: path, path, executable: { uri: vscode.Uri.file(path) } };
      },
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
};
