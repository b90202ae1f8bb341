import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { CLIENT_SETTINGS, SERVER_JEDI_SETTINGS, SERVER_SETTINGS, serverSettings, SettingsContext } from '../src/settings';

const context: SettingsContext = { workspaceFolder: '/work/project', home: '/home/ada', env: {}, pythonEnvironment: undefined };

/** The `nanguard` section as VS Code returns it with every default in place. */
const defaults = {
  enable: true,
  epsilon: null,
  severity: 'warning',
  select: [],
  ignore: [],
  frameworks: [],
  exclude: [],
  debounceMs: 200,
  configurationPreference: 'editorFirst',
  jedi: { enable: null, environmentPath: '' },
  interpreter: '',
  importStrategy: 'useBundled',
  trace: { server: 'off' },
};

describe('serverSettings', () => {
  it('passes the server its settings, leaving out unset ones so pyproject.toml and defaults apply', () => {
    assert.deepEqual(serverSettings(defaults, context), {
      enable: true,
      severity: 'warning',
      debounceMs: 200,
      configurationPreference: 'editorFirst',
      jedi: {},
    });
  });

  it('passes chosen values through unchanged for the server to validate', () => {
    const settings = serverSettings({ ...defaults, select: ['NG001'], frameworks: ['torch'], epsilon: 'tiny', severity: 'error' }, context);
    assert.deepEqual(settings.select, ['NG001']);
    assert.deepEqual(settings.frameworks, ['torch']);
    assert.equal(settings.epsilon, 'tiny');
    assert.equal(settings.severity, 'error');
  });

  it('keeps settings only the extension reads away from the server', () => {
    const settings = serverSettings(defaults, context);
    for (const key of ['interpreter', 'importStrategy', 'trace']) assert.ok(!(key in settings), key);
  });

  it("lets jedi read the Python extension's environment unless one is set", () => {
    const withPython = { ...context, pythonEnvironment: '/work/project/.venv' };
    assert.equal(serverSettings(defaults, withPython).jedi.environmentPath, '/work/project/.venv');
    const chosen = { ...defaults, jedi: { enable: true, environmentPath: '${workspaceFolder}/envs/ml' } };
    assert.equal(serverSettings(chosen, withPython).jedi.environmentPath, '/work/project/envs/ml');
    assert.equal(serverSettings({ ...defaults, jedi: { environmentPath: '~/ml' } }, context).jedi.environmentPath, '/home/ada/ml');
  });

  it('copes with a missing or malformed section', () => {
    assert.deepEqual(serverSettings(undefined, context), { jedi: {} });
    assert.deepEqual(serverSettings(['not', 'an', 'object'], context), { jedi: {} });
    assert.deepEqual(serverSettings({ jedi: 'yes' }, context), { jedi: {} });
  });
});

describe('package.json', () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> }; commands: { command: string }[] };
    engines: { vscode: string };
    dependencies: Record<string, string>;
  };
  const properties = manifest.contributes.configuration.properties;

  it('contributes exactly the settings the extension sends or reads itself', () => {
    const known = [...SERVER_SETTINGS, ...SERVER_JEDI_SETTINGS.map((key) => `jedi.${key}`), ...CLIENT_SETTINGS].map((key) => `nanguard.${key}`);
    assert.deepEqual(Object.keys(properties).sort(), known.sort());
  });

  it('describes every setting', () => {
    for (const [key, property] of Object.entries(properties)) {
      assert.ok((property.description ?? property.markdownDescription ?? '').length > 20, key);
    }
  });

  it('targets the VS Code that vscode-languageclient 11 needs', () => {
    assert.equal(manifest.engines.vscode, '^1.91.0');
    assert.match(manifest.dependencies['vscode-languageclient'] ?? '', /^\^11\./);
  });

  it('contributes the three commands', () => {
    assert.deepEqual(manifest.contributes.commands.map((command) => command.command).sort(), ['nanguard.fixAll', 'nanguard.restart', 'nanguard.showOutput']);
  });
});
