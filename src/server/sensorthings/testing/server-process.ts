/** The stand-alone monitoring server as a child process, for tests that kill and restart it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPOSITORY = resolve(import.meta.dirname, '../../../..');

/**
 * The e2e viewer's origin (the server of e2e/playwright.config.ts, on E2E_PORT): the viewer reads
 * these monitoring servers cross-origin, so they let it in by configuration, as a deployment would.
 */
export function e2eViewerOrigin(): string {
  return `http://127.0.0.1:${process.env.E2E_PORT ?? 4317}`;
}

export interface MonitoringProcessOptions {
  /** Origins let in by CORS. Default: the e2e viewer's. */
  corsOrigins?: string[];
  /** More command-line options (e.g. --reads-need-key). */
  args?: string[];
}

export function startMonitoringProcess(databasePath: string, port: number, apiKey: string, options: MonitoringProcessOptions = {}): Promise<ChildProcess> {
  // One process: tsx as a loader, not its CLI (which would run the server in a child of its own,
  // and a SIGKILL would then miss it).
  const corsOrigins = options.corsOrigins ?? [e2eViewerOrigin()];
  const args = ['--import', 'tsx', 'scripts/monitoring-server.ts', '--database', databasePath, '--port', String(port), '--cors-origins', corsOrigins.join(','), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: REPOSITORY,
    env: { ...process.env, MONITORING_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('monitoring server:')) resolvePromise(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`monitoring server exited with ${code}: ${output}`)));
  });
}

/** A free-looking port in a high range (tests run one at a time per file). */
export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}
