import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { chooseInterpreter, describeInterpreter, expandPath, InterpreterInputs } from '../src/interpreter';

const base: InterpreterInputs = {
  setting: '',
  pythonExtension: undefined,
  workspaceFolder: '/work/project',
  home: '/home/ada',
  env: { CONDA_PREFIX: '/opt/conda/envs/ml' },
  platform: 'linux',
};

describe('chooseInterpreter', () => {
  it('prefers the nanguard.interpreter setting over the Python extension', () => {
    const choice = chooseInterpreter({ ...base, setting: '/usr/bin/python3.12', pythonExtension: '/work/project/.venv/bin/python' });
    assert.deepEqual(choice, { command: '/usr/bin/python3.12', source: 'setting' });
  });

  it("uses the Python extension's interpreter when the setting is empty or blank", () => {
    const choice = chooseInterpreter({ ...base, setting: '  ', pythonExtension: '/work/project/.venv/bin/python' });
    assert.deepEqual(choice, { command: '/work/project/.venv/bin/python', source: 'pythonExtension' });
  });

  it('falls back to python3 on PATH, and python on Windows', () => {
    assert.deepEqual(chooseInterpreter(base), { command: 'python3', source: 'path' });
    assert.deepEqual(chooseInterpreter({ ...base, platform: 'win32' }), { command: 'python', source: 'path' });
  });

  it('expands variables in the setting', () => {
    const choice = chooseInterpreter({ ...base, setting: '${workspaceFolder}/.venv/bin/python' });
    assert.equal(choice.command, '/work/project/.venv/bin/python');
  });
});

describe('expandPath', () => {
  const context = { workspaceFolder: '/work/project', home: '/home/ada', env: { CONDA_PREFIX: '/opt/conda/envs/ml' } };

  it('expands ~, ${userHome} and ${env:NAME}', () => {
    assert.equal(expandPath('~/venvs/ml/bin/python', context), '/home/ada/venvs/ml/bin/python');
    assert.equal(expandPath('${userHome}/bin/python', context), '/home/ada/bin/python');
    assert.equal(expandPath('${env:CONDA_PREFIX}/bin/python', context), '/opt/conda/envs/ml/bin/python');
    assert.equal(expandPath('${env:UNSET}/python', context), '/python');
  });

  it('makes relative paths absolute against the workspace folder', () => {
    assert.equal(expandPath('.venv/bin/python', context), '/work/project/.venv/bin/python');
    assert.equal(expandPath('./env/python', context), '/work/project/env/python');
  });

  it('leaves bare command names to the PATH lookup', () => {
    assert.equal(expandPath('python3.12', context), 'python3.12');
  });

  it('keeps absolute Windows paths', () => {
    assert.equal(expandPath('C:\\Python312\\python.exe', context), 'C:\\Python312\\python.exe');
  });

  it('keeps ${workspaceFolder} when there is no folder rather than inventing one', () => {
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', { ...context, workspaceFolder: undefined }), '${workspaceFolder}/.venv/bin/python');
  });
});

describe('describeInterpreter', () => {
  it('names the source, so the message says what to change', () => {
    assert.match(describeInterpreter({ command: '/x/python', source: 'setting' }), /"nanguard.interpreter" \(\/x\/python\)/);
    assert.match(describeInterpreter({ command: '/x/python', source: 'pythonExtension' }), /Python extension/);
    assert.equal(describeInterpreter({ command: 'python3', source: 'path' }), '"python3" on PATH');
  });
});
