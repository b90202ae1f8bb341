// Which Python runs the nanguard server. Plain logic without `vscode`, so it is unit-tested.
import * as path from 'node:path';

/** Where the interpreter came from; messages name it so the user knows what to change. */
export type InterpreterSource = 'setting' | 'pythonExtension' | 'path';

export interface InterpreterChoice {
  /** An absolute path, or a bare command name looked up on PATH. */
  readonly command: string;
  readonly source: InterpreterSource;
}

export interface InterpreterInputs {
  /** The raw `nanguard.interpreter` setting. */
  readonly setting: string;
  /** The executable the Python extension has selected for the workspace, if it is installed. */
  readonly pythonExtension: string | undefined;
  /** For `${workspaceFolder}` and relative paths in the setting. */
  readonly workspaceFolder: string | undefined;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
}

/** The setting if set, else the Python extension's interpreter, else the platform's `python3`. */
export function chooseInterpreter(inputs: InterpreterInputs): InterpreterChoice {
  const setting = inputs.setting.trim();
  if (setting) {
    return { command: expandPath(setting, inputs), source: 'setting' };
  }
  if (inputs.pythonExtension) {
    return { command: inputs.pythonExtension, source: 'pythonExtension' };
  }
  return { command: defaultPythonCommand(inputs.platform), source: 'path' };
}

export function defaultPythonCommand(platform: NodeJS.Platform): string {
  // Windows' installer puts `python` (not `python3`) on PATH.
  return platform === 'win32' ? 'python' : 'python3';
}

export interface PathContext {
  readonly workspaceFolder: string | undefined;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` the way VS Code's own path
 * settings do, and makes a relative path (one with a separator) absolute against the workspace
 * folder. A bare name such as `python3.12` is left alone: it is looked up on PATH.
 */
export function expandPath(value: string, context: PathContext): string {
  let expanded = value.replace(/\$\{(userHome|workspaceFolder|env:([^}]+))\}/g, (match, name: string, variable?: string) => {
    if (name === 'userHome') return context.home;
    if (name === 'workspaceFolder') return context.workspaceFolder ?? match;
    return context.env[variable ?? ''] ?? '';
  });
  if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
    expanded = context.home + expanded.slice(1);
  }
  const hasSeparator = expanded.includes('/') || expanded.includes('\\');
  if (hasSeparator && !isAbsolute(expanded) && context.workspaceFolder) {
    expanded = path.join(context.workspaceFolder, expanded);
  }
  return expanded;
}

function isAbsolute(value: string): boolean {
  return path.posix.isAbsolute(value) || path.win32.isAbsolute(value);
}

/** How a message (plain text: notifications show no markdown) names the interpreter and its source. */
export function describeInterpreter(choice: InterpreterChoice): string {
  switch (choice.source) {
    case 'setting':
      return `"nanguard.interpreter" (${choice.command})`;
    case 'pythonExtension':
      return `the interpreter selected in the Python extension (${choice.command})`;
    case 'path':
      return `"${choice.command}" on PATH`;
  }
}
