// The interpreter selected in the Python extension (ms-python.python), when it is installed.
import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

export class PythonEnvironments implements vscode.Disposable {
  private api: PythonExtension | undefined;
  private connecting: Promise<void>;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: { dispose(): unknown }[] = [this.changed];

  /** Fires when the user selects another interpreter, or when the Python extension appears. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    // Activating the Python extension can take seconds: nanguard's activation does not wait for it.
    this.connecting = this.connect();
    this.disposables.push(
      vscode.extensions.onDidChange(() => {
        if (this.api || !this.installed) return;
        this.connecting = this.connect().then(() => {
          if (this.api) this.changed.fire();
        });
      }),
    );
  }

  get installed(): boolean {
    return vscode.extensions.getExtension(PVSC_EXTENSION_ID) !== undefined;
  }

  private async connect(): Promise<void> {
    if (!this.installed) return;
    try {
      const api = await PythonExtension.api();
      this.disposables.push(
        api.environments.onDidChangeActiveEnvironmentPath(() => {
          this.changed.fire();
        }),
      );
      this.api = api;
    } catch (error) {
      this.log.warn(`Could not use the Python extension's API: ${String(error)}`);
    }
  }

  /** The environment (interpreter or environment folder) selected for `resource`: jedi's default. */
  environmentPath(resource: vscode.Uri | undefined): string | undefined {
    return this.api?.environments.getActiveEnvironmentPath(resource).path || undefined;
  }

  /** The executable of the environment selected for `resource`, to run the server with. */
  async interpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    await this.connecting;
    if (!this.api) return undefined;
    try {
      const active = this.api.environments.getActiveEnvironmentPath(resource);
      const environment = await this.api.environments.resolveEnvironment(active);
      return environment?.executable.uri?.fsPath;
    } catch (error) {
      this.log.warn(`The Python extension could not resolve its interpreter: ${String(error)}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
