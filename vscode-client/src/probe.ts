// Asks an interpreter what it is before the server is started with it, so a missing, broken or
// too old Python becomes one clear message instead of a crashed server. No `vscode` here.
import { execFile } from 'node:child_process';

import { describeInterpreter, InterpreterChoice } from './interpreter';

export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];

/**
 * Printed line by line so that even Python 2 gets as far as its version. The second line is
 * what picks the bundled native libraries and checks an installed nanguard.
 */
export const PROBE_SCRIPT = [
  'import sys',
  'sys.stdout.write("%d.%d.%d\\n" % tuple(sys.version_info[:3]))',
  'import json, platform, importlib.util',
  'sys.stdout.write(json.dumps({"executable": sys.executable, "platform": sys.platform,',
  '    "machine": platform.machine(), "libc": platform.libc_ver()[0],',
  '    "implementation": sys.implementation.name,',
  '    "nanguard": importlib.util.find_spec("nanguard") is not None}) + "\\n")',
].join('\n');

export interface PythonInfo {
  readonly version: readonly [number, number, number];
  /** `sys.executable`: the server is started with exactly the interpreter that was probed. */
  readonly executable: string;
  readonly platform: string;
  readonly machine: string;
  /** "glibc" on most Linux systems, "" on musl and on other systems. */
  readonly libc: string;
  readonly implementation: string;
  /** Whether `import nanguard` would find a package in the interpreter's own environment. */
  readonly hasNanguard: boolean;
}

export type ProbeOutcome =
  | { readonly kind: 'ok'; readonly info: PythonInfo }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'tooOld'; readonly version: string }
  | { readonly kind: 'failed'; readonly detail: string };

export const PROBE_TIMEOUT_MS = 20_000;

/** Runs the probe with the server's environment and folder (so `sys.path` is the server's). */
export function probePython(
  command: string,
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<ProbeOutcome> {
  const timeout = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      command,
      ['-c', PROBE_SCRIPT],
      { env: options.env, cwd: options.cwd, timeout, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') {
          resolve({ kind: 'notFound' });
          return;
        }
        if (code === 'EACCES' || code === 'EISDIR') {
          resolve({ kind: 'failed', detail: 'it is not an executable file (a folder, or a file without execute permission?)' });
          return;
        }
        resolve(parseProbeOutput(stdout, error ? describeFailure(error, stderr, timeout) : undefined));
      },
    );
  });
}

function describeFailure(error: Error & { killed?: boolean; code?: unknown }, stderr: string, timeout: number): string {
  if (error.killed) return `it did not answer within ${timeout / 1000} seconds`;
  const lastLine = stderr.trim().split(/\r?\n/).pop();
  if (lastLine) return lastLine;
  return typeof error.code === 'number' ? `it exited with code ${error.code}` : error.message;
}

/** Interprets what the probe printed; `failure` is set when the process did not succeed. */
export function parseProbeOutput(stdout: string, failure?: string): ProbeOutcome {
  const [versionLine = '', detailsLine = ''] = stdout.split(/\r?\n/);
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(versionLine.trim());
  if (!match) {
    return { kind: 'failed', detail: failure ?? 'it did not print a Python version' };
  }
  const version = [Number(match[1]), Number(match[2]), Number(match[3])] as const;
  if (!isSupported(version)) {
    return { kind: 'tooOld', version: version.join('.') };
  }
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(detailsLine) as Record<string, unknown>;
  } catch {
    return { kind: 'failed', detail: failure ?? 'it printed an unexpected answer' };
  }
  return {
    kind: 'ok',
    info: {
      version,
      executable: text(details.executable),
      platform: text(details.platform),
      machine: text(details.machine),
      libc: text(details.libc),
      implementation: text(details.implementation),
      hasNanguard: details.nanguard === true,
    },
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isSupported(version: readonly number[]): boolean {
  const [major = 0, minor = 0] = version;
  return major > MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor >= MINIMUM_PYTHON[1]);
}

/** What the user can do about a problem; the extension turns these into notification buttons. */
export type Remedy = 'openInterpreterSetting' | 'selectInterpreter' | 'openImportStrategySetting' | 'showOutput';

export interface Problem {
  /** Same key, same problem: the notification is shown once, not on every restart. */
  readonly key: string;
  readonly message: string;
  readonly remedies: readonly Remedy[];
}

const MINIMUM = MINIMUM_PYTHON.join('.');

/** Turns a failed probe into the message the user sees, with the way out. */
export function probeProblem(
  choice: InterpreterChoice,
  outcome: Exclude<ProbeOutcome, { kind: 'ok' }>,
  hasPythonExtension: boolean,
): Problem {
  const where = describeInterpreter(choice);
  const fix = hasPythonExtension
    ? `Select a Python ${MINIMUM}+ interpreter with "Python: Select Interpreter", or set "nanguard.interpreter" to one.`
    : `Install Python ${MINIMUM} or newer, or set "nanguard.interpreter" to the path of one.`;
  const remedies: Remedy[] = hasPythonExtension
    ? ['selectInterpreter', 'openInterpreterSetting']
    : ['openInterpreterSetting'];
  switch (outcome.kind) {
    case 'notFound':
      return {
        key: `notFound:${choice.command}`,
        message: `nanguard needs Python ${MINIMUM} or newer to run, but ${where} was not found. ${fix}`,
        remedies,
      };
    case 'tooOld':
      return {
        key: `tooOld:${choice.command}:${outcome.version}`,
        message: `nanguard needs Python ${MINIMUM} or newer, but ${where} is Python ${outcome.version}. ${fix}`,
        remedies,
      };
    case 'failed':
      return {
        key: `failed:${choice.command}:${outcome.detail}`,
        message: `nanguard could not run ${where}: ${outcome.detail}. ${fix}`,
        remedies: [...remedies, 'showOutput'],
      };
  }
}

/** With `importStrategy: fromEnvironment`, the interpreter's environment must have nanguard. */
export function missingPackageProblem(info: PythonInfo): Problem {
  return {
    key: `noPackage:${info.executable}`,
    message:
      `"nanguard.importStrategy" is "fromEnvironment", but nanguard is not installed for ${info.executable}. ` +
      `Install it (run "${info.executable}" -m pip install nanguard), or set the strategy to "useBundled" to run the server shipped with the extension.`,
    remedies: ['openImportStrategySetting'],
  };
}
