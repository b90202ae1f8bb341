// Where the end-to-end test's tools live. Shared by .ci/setup-vscode (which builds them) and
// run.mjs (which uses them), so the two can never disagree. Run directly, it prints the
// code-server directory for shell scripts.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';

/** Outside the repository, so one build serves every checkout and CI run on this machine. */
export function cacheDir(env = process.env) {
  if (env.NANGUARD_E2E_CACHE) return env.NANGUARD_E2E_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nanguard');
}

export function codeServerDir(env = process.env) {
  return join(cacheDir(env), `code-server-${CODE_SERVER_VERSION}`);
}

export const CHROMIUM = process.env.NANGUARD_CHROMIUM || '/usr/bin/chromium';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(codeServerDir());
}
