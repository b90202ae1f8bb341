import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { BundleManifest, bundleProblem, importStrategy, nativePlatformKey, readBundleManifest, serverLaunch } from '../src/launch';
import { PythonInfo } from '../src/probe';

const linux: PythonInfo = {
  version: [3, 11, 7],
  executable: '/usr/bin/python3',
  platform: 'linux',
  machine: 'x86_64',
  libc: 'glibc',
  implementation: 'cpython',
  hasNanguard: false,
};
const windows: PythonInfo = { ...linux, executable: 'C:\\Python312\\python.exe', platform: 'win32', machine: 'AMD64', libc: '', version: [3, 12, 1] };

const manifest: BundleManifest = {
  nanguard: '0.1.0',
  platforms: { 'linux-x86_64': ['3.10', '3.11', '3.12'], 'win32-amd64': ['3.12'], 'darwin-arm64': ['3.12'] },
};

describe('nativePlatformKey', () => {
  it('names the folder of the compiled wheels for each platform', () => {
    assert.equal(nativePlatformKey(linux), 'linux-x86_64');
    assert.equal(nativePlatformKey({ ...linux, machine: 'aarch64' }), 'linux-aarch64');
    assert.equal(nativePlatformKey({ platform: 'darwin', machine: 'arm64', libc: '' }), 'darwin-arm64');
    assert.equal(nativePlatformKey({ platform: 'darwin', machine: 'x86_64', libc: '' }), 'darwin-x86_64');
    assert.equal(nativePlatformKey(windows), 'win32-amd64');
  });

  it('has none for musl Linux or unknown machines', () => {
    assert.equal(nativePlatformKey({ ...linux, libc: '' }), undefined);
    assert.equal(nativePlatformKey({ ...linux, machine: 'riscv64' }), undefined);
    assert.equal(nativePlatformKey({ ...linux, platform: 'freebsd14' }), undefined);
  });
});

describe('bundleProblem', () => {
  it('accepts a bundled platform and Python version', () => {
    assert.equal(bundleProblem(linux, manifest), undefined);
    assert.equal(bundleProblem(windows, manifest), undefined);
  });

  it('explains an unbundled Python version and lists the bundled ones', () => {
    const problem = bundleProblem({ ...linux, version: [3, 15, 0] }, manifest);
    assert.ok(problem);
    assert.match(problem.message, /no parser \(tree-sitter\) build for cpython 3\.15 on linux x86_64 \(glibc\)/);
    assert.match(problem.message, /bundled for Python 3\.10, 3\.11, 3\.12 here/);
    assert.match(problem.message, /"\/usr\/bin\/python3" -m pip install nanguard.*fromEnvironment/);
  });

  it('explains an unbundled platform and a non-CPython interpreter', () => {
    assert.match(bundleProblem({ ...linux, libc: '' }, manifest)?.message ?? '', /on linux x86_64\./);
    assert.match(bundleProblem({ ...linux, implementation: 'pypy' }, manifest)?.message ?? '', /pypy 3\.11/);
  });

  it('explains a build without bundled/', () => {
    assert.match(bundleProblem(linux, undefined)?.message ?? '', /no bundled server/);
  });
});

describe('readBundleManifest', () => {
  it('reads bundled/manifest.json, and tolerates its absence', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'nanguard-bundle-'));
    assert.equal(readBundleManifest(folder), undefined);
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
    assert.deepEqual(readBundleManifest(folder), manifest);
  });
});

describe('serverLaunch', () => {
  it('runs `-m nanguard server` with the probed executable from the extension folder', () => {
    const launch = serverLaunch({ info: linux, strategy: 'useBundled', bundledDir: '/ext/bundled', cwd: '/ext', env: {} });
    assert.equal(launch.command, '/usr/bin/python3');
    assert.deepEqual(launch.args, ['-m', 'nanguard', 'server']);
    assert.equal(launch.cwd, '/ext');
    assert.equal(launch.env.PYTHONSAFEPATH, '1');
  });

  it('puts the bundled libraries first on PYTHONPATH, before the user\'s own', () => {
    const launch = serverLaunch({ info: linux, strategy: 'useBundled', bundledDir: '/ext/bundled', cwd: '/ext', env: { PYTHONPATH: '/mine' } });
    assert.equal(launch.env.PYTHONPATH, '/ext/bundled/libs:/ext/bundled/native/linux-x86_64:/mine');
  });

  it('uses Windows separators for a Windows interpreter', () => {
    const launch = serverLaunch({ info: windows, strategy: 'useBundled', bundledDir: 'C:\\ext\\bundled', cwd: 'C:\\ext', env: {} });
    assert.equal(launch.env.PYTHONPATH, 'C:\\ext\\bundled\\libs;C:\\ext\\bundled\\native\\win32-amd64');
  });

  it('leaves the environment alone with fromEnvironment', () => {
    const launch = serverLaunch({ info: linux, strategy: 'fromEnvironment', bundledDir: '/ext/bundled', cwd: '/ext', env: { PYTHONPATH: '/mine', HOME: '/home/ada' } });
    assert.equal(launch.env.PYTHONPATH, '/mine');
    assert.equal(launch.env.HOME, '/home/ada');
  });
});

describe('importStrategy', () => {
  it('defaults to the bundled server', () => {
    assert.equal(importStrategy('fromEnvironment'), 'fromEnvironment');
    assert.equal(importStrategy('useBundled'), 'useBundled');
    assert.equal(importStrategy(undefined), 'useBundled');
    assert.equal(importStrategy('nonsense'), 'useBundled');
  });
});
