// How the server process is started: command, arguments, environment, and which bundled
// libraries go on its path. No `vscode` here.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { Problem, PythonInfo } from './probe';

export type ImportStrategy = 'useBundled' | 'fromEnvironment';

export function importStrategy(value: unknown): ImportStrategy {
  return value === 'fromEnvironment' ? 'fromEnvironment' : 'useBundled';
}

/** What scripts/bundle_python.py wrote next to the libraries (bundled/manifest.json). */
export interface BundleManifest {
  readonly nanguard: string;
  /** Native-library folder name -> the "3.X" Python versions it has binaries for. */
  readonly platforms: Readonly<Record<string, readonly string[]>>;
}

export function readBundleManifest(bundledDir: string): BundleManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(bundledDir, 'manifest.json'), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
}

/**
 * The folder under bundled/native/ whose compiled wheels (tree-sitter) load in this interpreter,
 * named like the bundler names it; undefined where no manylinux/macOS/Windows wheel applies
 * (for example a musl libc).
 */
export function nativePlatformKey(info: Pick<PythonInfo, 'platform' | 'machine' | 'libc'>): string | undefined {
  const machine = info.machine.toLowerCase();
  const arch = machine === 'amd64' || machine === 'x86_64' ? 'x86_64' : machine === 'arm64' || machine === 'aarch64' ? 'arm64' : undefined;
  if (!arch) return undefined;
  if (info.platform === 'linux') return info.libc === 'glibc' ? `linux-${arch === 'arm64' ? 'aarch64' : arch}` : undefined;
  if (info.platform === 'darwin') return `darwin-${arch}`;
  if (info.platform === 'win32') return `win32-${arch === 'x86_64' ? 'amd64' : arch}`;
  return undefined;
}

function pythonMinor(info: PythonInfo): string {
  return `${info.version[0]}.${info.version[1]}`;
}

/** Why the bundled server cannot run on this interpreter, with the way out; undefined if it can. */
export function bundleProblem(info: PythonInfo, manifest: BundleManifest | undefined): Problem | undefined {
  const remedies = ['openImportStrategySetting', 'openInterpreterSetting'] as const;
  const install = `install nanguard into that interpreter (run "${info.executable}" -m pip install nanguard) and set "nanguard.importStrategy" to "fromEnvironment"`;
  if (!manifest) {
    return {
      key: 'noBundle',
      message: `This copy of the nanguard extension has no bundled server (bundled/manifest.json is missing): ${install}.`,
      remedies,
    };
  }
  const key = nativePlatformKey(info);
  const versions = key !== undefined && info.implementation === 'cpython' ? manifest.platforms[key] : undefined;
  if (versions?.includes(pythonMinor(info))) return undefined;
  const where = `${info.implementation} ${pythonMinor(info)} on ${info.platform} ${info.machine}${info.libc ? ` (${info.libc})` : ''}`;
  const supported = versions ? ` Its parser is bundled for Python ${versions.join(', ')} here.` : '';
  return {
    key: `unsupported:${info.executable}`,
    message: `The nanguard server bundled with the extension has no parser (tree-sitter) build for ${where}.${supported} Choose another interpreter, or ${install}.`,
    remedies,
  };
}

export interface ServerLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** `-m nanguard server`; vscode-languageclient appends `--stdio`. */
export const SERVER_ARGS = ['-m', 'nanguard', 'server'] as const;

/**
 * The environment for both the probe and the server. PYTHONSAFEPATH keeps Python 3.11+ from
 * putting the working folder first on sys.path, and the working folder is the extension's own,
 * so a user's `nanguard.py` or `pygls/` can never shadow the server.
 */
export function baseServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PYTHONSAFEPATH: '1' };
}

export function serverLaunch(options: {
  readonly info: PythonInfo;
  readonly strategy: ImportStrategy;
  readonly bundledDir: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}): ServerLaunch {
  const { info, strategy, bundledDir } = options;
  const env = baseServerEnv(options.env);
  if (strategy === 'useBundled') {
    const paths = info.platform === 'win32' ? path.win32 : path.posix;
    const entries = [paths.join(bundledDir, 'libs')];
    const key = nativePlatformKey(info);
    if (key) entries.push(paths.join(bundledDir, 'native', key));
    if (env.PYTHONPATH) entries.push(env.PYTHONPATH);
    env.PYTHONPATH = entries.join(paths.delimiter);
  }
  return { command: info.executable, args: [...SERVER_ARGS], cwd: options.cwd, env };
}
