// code-server (VS Code in the browser) for the end-to-end test: installs a .vsix offline and
// serves a folder on 127.0.0.1, with the marketplace pointed at a closed local port so it never
// reaches out. Built by .ci/setup-vscode into the directory paths.mjs names.
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { codeServerDir } from './paths.mjs';

const run = promisify(execFile);

/** A port nothing listens on (taken and released at once), or one to listen on. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function codeServerEntry() {
  const entry = join(codeServerDir(), 'out', 'node', 'entry.js');
  return existsSync(entry) ? entry : undefined;
}

/**
 * Everything code-server needs to run offline and in isolation under `root`: its own user data,
 * extensions and config, and a marketplace URL that refuses connections.
 */
export async function prepare(root) {
  const closedPort = await freePort();
  const gallery = `http://127.0.0.1:${closedPort}`;
  const dirs = {
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    config: join(root, 'config.yaml'),
    log: join(root, 'code-server.log'),
  };
  await mkdir(join(dirs.userData, 'User'), { recursive: true });
  await mkdir(dirs.extensions, { recursive: true });
  await writeFile(dirs.config, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: `${gallery}/gallery`,
      itemUrl: `${gallery}/item`,
      resourceUrlTemplate: `${gallery}/resource/{publisher}/{name}/{version}/{path}`,
      controlUrl: '',
      nlsBaseUrl: '',
    }),
  };
  const common = ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  return { dirs, env, common };
}

export async function installExtension(setup, vsix) {
  const { stdout, stderr } = await run(process.execPath, [codeServerEntry(), ...setup.common, '--install-extension', vsix], {
    env: setup.env,
    timeout: 120_000,
  });
  const output = stdout + stderr;
  if (!/successfully installed/i.test(output)) throw new Error(`code-server did not install ${vsix}:\n${output}`);
  return output.trim();
}

/** Starts code-server on a free port and resolves once it answers; `stop()` ends it. */
export async function start(setup, folder, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const log = createWriteStream(setup.dirs.log);
  const child = spawn(
    process.execPath,
    [
      codeServerEntry(),
      ...setup.common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      folder,
    ],
    { env: setup.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exited (${code ?? signal})`)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const early = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 250, undefined))]);
    if (early) throw new Error(`code-server ${early}; see ${setup.dirs.log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopProcessGroup(child);
      throw new Error(`code-server did not answer within ${timeoutMs / 1000} s; see ${setup.dirs.log}`);
    }
  }
  return {
    url,
    stop: async () => {
      stopProcessGroup(child);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      log.end();
    },
  };
}

/** code-server, its extension host and the language server it started all go. */
function stopProcessGroup(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 3000).unref();
}
