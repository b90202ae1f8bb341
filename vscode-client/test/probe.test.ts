import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { missingPackageProblem, parseProbeOutput, probePython, probeProblem, PythonInfo } from '../src/probe';

function hasPython3(): boolean {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A stand-in for a broken or old interpreter: a shell script that ignores its arguments. */
function fakeInterpreter(body: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'nanguard-probe-'));
  const file = path.join(folder, 'python');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const options = { env: process.env, cwd: tmpdir() };
const onPosix = { skip: process.platform === 'win32' ? 'needs /bin/sh' : false };

describe('probePython', () => {
  it('reads version, platform and executable from a real python3', { skip: !hasPython3() && 'python3 is not on PATH' }, async () => {
    const outcome = await probePython('python3', options);
    if (outcome.kind === 'tooOld') return; // an old system python3 is reported, tested below
    assert.equal(outcome.kind, 'ok');
    assert.equal(outcome.info.version[0], 3);
    assert.ok(path.isAbsolute(outcome.info.executable), outcome.info.executable);
    assert.equal(outcome.info.platform, process.platform);
    assert.equal(outcome.info.implementation, 'cpython');
  });

  it('reports a command that does not exist as not found', async () => {
    assert.deepEqual(await probePython('/nonexistent/python3.99', options), { kind: 'notFound' });
  });

  it('reports an old Python by its version', onPosix, async () => {
    const python = fakeInterpreter('echo 3.8.10');
    assert.deepEqual(await probePython(python, options), { kind: 'tooOld', version: '3.8.10' });
  });

  it("reports what a failing interpreter printed last on stderr", onPosix, async () => {
    const python = fakeInterpreter('echo "Fatal Python error: init_fs_encoding" >&2\necho "ModuleNotFoundError: No module named encodings" >&2\nexit 1');
    assert.deepEqual(await probePython(python, options), { kind: 'failed', detail: 'ModuleNotFoundError: No module named encodings' });
  });

  it('reports a folder given as the interpreter', async () => {
    assert.deepEqual(await probePython(tmpdir(), options), {
      kind: 'failed',
      detail: 'it is not an executable file (a folder, or a file without execute permission?)',
    });
  });

  it('gives up on an interpreter that hangs', onPosix, async () => {
    const python = fakeInterpreter('sleep 30');
    const outcome = await probePython(python, { ...options, timeoutMs: 300 });
    assert.deepEqual(outcome, { kind: 'failed', detail: 'it did not answer within 0.3 seconds' });
  });
});

describe('parseProbeOutput', () => {
  it('parses both lines of the probe', () => {
    const stdout = '3.11.7\n{"executable": "/usr/bin/python3", "platform": "linux", "machine": "x86_64", "libc": "glibc", "implementation": "cpython", "nanguard": true}\n';
    assert.deepEqual(parseProbeOutput(stdout), {
      kind: 'ok',
      info: { version: [3, 11, 7], executable: '/usr/bin/python3', platform: 'linux', machine: 'x86_64', libc: 'glibc', implementation: 'cpython', hasNanguard: true },
    });
  });

  it('knows Python 2 and 3.9 are too old, 3.10 is not', () => {
    assert.deepEqual(parseProbeOutput('2.7.18\n'), { kind: 'tooOld', version: '2.7.18' });
    assert.deepEqual(parseProbeOutput('3.9.19\n'), { kind: 'tooOld', version: '3.9.19' });
    assert.equal(parseProbeOutput('3.10.0\n{}').kind, 'ok');
  });

  it('treats anything else as a failure', () => {
    assert.deepEqual(parseProbeOutput('hello\n'), { kind: 'failed', detail: 'it did not print a Python version' });
    assert.deepEqual(parseProbeOutput('3.12.1\nnot json'), { kind: 'failed', detail: 'it printed an unexpected answer' });
  });
});

describe('probeProblem', () => {
  const fromPath = { command: 'python3', source: 'path' } as const;

  it('tells how to get a Python when none is found', () => {
    const problem = probeProblem(fromPath, { kind: 'notFound' }, false);
    assert.ok(problem);
    assert.match(problem.message, /needs Python 3\.10 or newer.*"python3" on PATH was not found/);
    assert.match(problem.message, /set "nanguard\.interpreter"/);
    assert.deepEqual(problem.remedies, ['openInterpreterSetting']);
  });

  it('offers "Select Interpreter" when the Python extension is installed', () => {
    const choice = { command: '/usr/bin/python3.8', source: 'pythonExtension' } as const;
    const problem = probeProblem(choice, { kind: 'tooOld', version: '3.8.10' }, true);
    assert.ok(problem);
    assert.match(problem.message, /the interpreter selected in the Python extension \(\/usr\/bin\/python3\.8\) is Python 3\.8\.10/);
    assert.match(problem.message, /Python: Select Interpreter/);
    assert.deepEqual(problem.remedies, ['selectInterpreter', 'openInterpreterSetting']);
  });

  it('gives the same key to the same problem, so it is shown once', () => {
    const first = probeProblem(fromPath, { kind: 'tooOld', version: '3.8.10' }, false);
    const second = probeProblem(fromPath, { kind: 'tooOld', version: '3.8.10' }, false);
    const other = probeProblem(fromPath, { kind: 'tooOld', version: '3.9.1' }, false);
    assert.equal(first.key, second.key);
    assert.notEqual(first.key, other.key);
  });
});

describe('missingPackageProblem', () => {
  it('names the pip command for the interpreter and the bundled alternative', () => {
    const info: PythonInfo = { version: [3, 12, 1], executable: '/venv/bin/python', platform: 'linux', machine: 'x86_64', libc: 'glibc', implementation: 'cpython', hasNanguard: false };
    const problem = missingPackageProblem(info);
    assert.match(problem.message, /"\/venv\/bin\/python" -m pip install nanguard/);
    assert.match(problem.message, /useBundled/);
  });
});
