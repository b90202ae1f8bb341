// Starts, restarts and stops the nanguard language server, and keeps the status item and the
// user informed. One server serves the whole window.
import * as os from 'node:os';
import * as path from 'node:path';

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  DocumentSelector,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { chooseInterpreter, describeInterpreter } from './interpreter';
import { bundleProblem, importStrategy, readBundleManifest, baseServerEnv, serverLaunch } from './launch';
import { missingPackageProblem, Problem, probePython, probeProblem, PythonInfo, Remedy } from './probe';
import { PythonEnvironments } from './pythonExtension';
import { serverSettings, ServerSettings } from './settings';
import { ServerStatus } from './status';

export const SECTION = 'nanguard';

/** Python files on disk and unsaved, and Python cells of any notebook. */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { notebook: '*', language: 'python' },
];

/** Changing these starts a new server process; every other setting is sent to the running one. */
const RESTART_SETTINGS = ['interpreter', 'importStrategy'].map((name) => `${SECTION}.${name}`);

const REMEDY_BUTTONS: Record<Remedy, string> = {
  openInterpreterSetting: 'Set Interpreter',
  selectInterpreter: 'Select Interpreter',
  openImportStrategySetting: 'Set Import Strategy',
  showOutput: 'Show Output',
};

export class NanguardServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Each problem is notified once per window, however often the server is restarted. */
  private readonly notified = new Set<string>();

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly python: PythonEnvironments,
    private readonly status: ServerStatus,
  ) {}

  /** Restarts are queued, so quick successive setting changes never run two servers. */
  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.log.info(`(Re)starting the server: ${reason}`);
      await this.stopClient();
      await this.start();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopClient());
  }

  /** One step after the other; a step that throws is reported and does not block the next. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      this.fail({ key: `internal:${String(error)}`, message: `nanguard: ${String(error)}`, remedies: ['showOutput'] });
    });
    return this.queue;
  }

  onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(name))) {
      void this.restart('a setting that selects the server changed');
    } else if (event.affectsConfiguration(SECTION)) {
      this.notifySettingsChanged();
    }
  }

  onPythonEnvironmentChanged(): void {
    const setting = vscode.workspace.getConfiguration(SECTION, this.folder()?.uri).get<string>('interpreter', '');
    if (setting.trim()) {
      this.notifySettingsChanged(); // jedi's default environment follows the Python extension
    } else {
      void this.restart('the Python extension selected another interpreter');
    }
  }

  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  private folder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  }

  private async start(): Promise<void> {
    this.status.show({ kind: 'starting' });
    const folder = this.folder();
    const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
    // In an untrusted workspace the Python extension may have selected the workspace's own .venv:
    // running it would run the workspace's code, so only PATH and user settings are used.
    const pythonExtension = vscode.workspace.isTrusted ? await this.python.interpreter(folder?.uri) : undefined;
    const choice = chooseInterpreter({
      setting: config.get<string>('interpreter', ''),
      pythonExtension,
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      env: process.env,
      platform: process.platform,
    });
    const strategy = importStrategy(config.get('importStrategy'));
    const bundledDir = path.join(this.extensionPath, 'bundled');
    const cwd = this.extensionPath;

    this.log.info(`Checking ${describeInterpreter(choice)}`);
    const outcome = await probePython(choice.command, { env: baseServerEnv(process.env), cwd });
    if (outcome.kind !== 'ok') {
      this.fail(probeProblem(choice, outcome, this.python.installed));
      return;
    }
    const info = outcome.info;
    const environmentProblem =
      strategy === 'useBundled' ? bundleProblem(info, readBundleManifest(bundledDir)) : info.hasNanguard ? undefined : missingPackageProblem(info);
    if (environmentProblem) {
      this.fail(environmentProblem);
      return;
    }

    const launch = serverLaunch({ info, strategy, bundledDir, cwd, env: process.env });
    this.log.info(`Starting ${launch.command} ${launch.args.join(' ')} --stdio (${strategy === 'useBundled' ? 'bundled server' : 'nanguard from the environment'})`);
    const client = new LanguageClient(
      'nanguard',
      'nanguard',
      { command: launch.command, args: [...launch.args], transport: TransportKind.stdio, options: { cwd: launch.cwd, env: launch.env } },
      this.clientOptions(),
    );
    this.client = client;
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) {
        this.status.show({ kind: 'ready', detail: readyDetail(info, strategy, client) });
      } else if (event.newState === State.Stopped) {
        this.status.show({ kind: 'error', detail: 'The server stopped. See the output for why; "nanguard: Restart Server" starts it again.' });
      } else {
        this.status.show({ kind: 'starting' });
      }
    });
    try {
      await client.start();
    } catch (error) {
      this.fail({
        key: `start:${launch.command}`,
        message: `The nanguard server did not start with ${info.executable}: ${error instanceof Error ? error.message : String(error)}`,
        remedies: ['showOutput'],
      });
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => this.settingsFor(this.folder()?.uri),
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) return values;
            return values.map((value: unknown, index) => {
              const item = params.items[index];
              if (item.section !== SECTION) return value;
              return this.settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined, value);
            });
          },
        },
      },
    };
  }

  /** What the server gets for `resource`: the `nanguard` section plus the defaults it cannot know. */
  private settingsFor(resource: vscode.Uri | undefined, section?: unknown): ServerSettings {
    const folder = (resource && vscode.workspace.getWorkspaceFolder(resource)) ?? this.folder();
    const scope = resource ?? folder?.uri;
    return serverSettings(section ?? vscode.workspace.getConfiguration(SECTION, scope), {
      pythonEnvironment: vscode.workspace.isTrusted ? this.python.environmentPath(scope) : undefined,
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      env: process.env,
    });
  }

  /**
   * Tells the server to pull its settings again (workspace/configuration, answered per scope by
   * the middleware). Nothing is pushed: pushed values would outlive a later reset of a setting.
   */
  private notifySettingsChanged(): void {
    const client = this.running;
    if (!client) return;
    void client
      .sendNotification(DidChangeConfigurationNotification.type, { settings: null })
      .catch((error: unknown) => {
        this.log.warn(`Could not send the changed settings: ${String(error)}`);
      });
  }

  private fail(problem: Problem): void {
    this.log.error(problem.message);
    this.status.show({ kind: 'error', detail: problem.message });
    if (this.notified.has(problem.key)) return;
    this.notified.add(problem.key);
    const buttons = problem.remedies.map((remedy) => REMEDY_BUTTONS[remedy]);
    void vscode.window.showErrorMessage(problem.message, ...buttons).then((picked) => {
      const remedy = problem.remedies.find((candidate) => REMEDY_BUTTONS[candidate] === picked);
      if (remedy) void applyRemedy(remedy, this.log);
    });
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.dispose(2000);
    } catch (error) {
      this.log.warn(`The server did not stop cleanly: ${String(error)}`);
    }
    this.status.show({ kind: 'stopped' });
  }

  dispose(): void {
    void this.stop();
  }
}

function readyDetail(info: PythonInfo, strategy: string, client: LanguageClient): string {
  const server = client.initializeResult?.serverInfo;
  const version = server?.version ? ` ${server.version}` : '';
  const origin = strategy === 'useBundled' ? 'bundled' : 'from the environment';
  return `nanguard${version} (${origin}) on Python ${info.version.join('.')}: ${info.executable}`;
}

async function applyRemedy(remedy: Remedy, log: vscode.LogOutputChannel): Promise<void> {
  switch (remedy) {
    case 'openInterpreterSetting':
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
      break;
    case 'openImportStrategySetting':
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.importStrategy`);
      break;
    case 'selectInterpreter':
      await vscode.commands.executeCommand('python.setInterpreter');
      break;
    case 'showOutput':
      log.show();
      break;
  }
}
