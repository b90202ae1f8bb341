// From the `nanguard.*` settings to what the server receives, as initialization options and as
// the answer to `workspace/configuration` for the section "nanguard". No `vscode` here.
import { expandPath, PathContext } from './interpreter';

/** The settings the server reads; their values pass through unchanged, the server validates them. */
export const SERVER_SETTINGS = [
  'enable',
  'epsilon',
  'severity',
  'select',
  'ignore',
  'frameworks',
  'exclude',
  'debounceMs',
  'configurationPreference',
] as const;
/** The server's `jedi` object. */
export const SERVER_JEDI_SETTINGS = ['enable', 'environmentPath'] as const;
/** Settings only the extension reads (`trace.server` is read by vscode-languageclient). */
export const CLIENT_SETTINGS = ['interpreter', 'importStrategy', 'trace.server'] as const;

/** List settings whose empty value means "not set": the server's default or pyproject.toml decides. */
const UNSET_WHEN_EMPTY = new Set<string>(['select', 'ignore', 'frameworks', 'exclude']);

export type ServerSettings = Record<string, unknown> & { jedi: Record<string, unknown> };

export interface SettingsContext extends PathContext {
  /** The Python extension's environment for this scope: jedi's default, so it sees the user's packages. */
  readonly pythonEnvironment: string | undefined;
}

/**
 * `section` is the "nanguard" configuration object as VS Code returns it (dotted names nested:
 * `jedi.enable` is `section.jedi.enable`).
 */
export function serverSettings(section: unknown, context: SettingsContext): ServerSettings {
  const source = isObject(section) ? section : {};
  const result: ServerSettings = { jedi: {} };
  for (const key of SERVER_SETTINGS) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (UNSET_WHEN_EMPTY.has(key) && Array.isArray(value) && value.length === 0) continue;
    result[key] = value;
  }
  const jedi = isObject(source.jedi) ? source.jedi : {};
  if (jedi.enable !== undefined && jedi.enable !== null) result.jedi.enable = jedi.enable;
  const environmentPath = typeof jedi.environmentPath === 'string' ? jedi.environmentPath.trim() : '';
  if (environmentPath) {
    result.jedi.environmentPath = expandPath(environmentPath, context);
  } else if (context.pythonEnvironment) {
    result.jedi.environmentPath = context.pythonEnvironment;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
