/** The stand-alone monitoring server as a child process, for tests that kill and restart it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPOSITORY = resolve(import.meta.dirname, '../../../..');

export function startMonitoringProcess(databasePath: string, port: number, apiKey: string): Promise<ChildProcess> {
  // One process: tsx as a loader, not its CLI (which would run the server in a child of its own,
  // and a SIGKILL would then miss it).
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/monitoring-server.ts', '--database', databasePath, '--port', String(port)], {
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
