/**
 * A Mosquitto broker of one's own (the machine's /usr/sbin/mosquitto, or MOSQUITTO_BINARY) on a
 * free loopback port, with a config written to a temp dir: for the ingest bench and for tests that
 * need broker settings other than the machine's defaults (issue 17: with the default
 * `max_queued_messages 1000`, Mosquitto drops the QoS 1 creates that pass the server's
 * Receive Maximum window plus that queue while the store is behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../faults/harness.ts';

export interface MosquittoOptions {
  /**
   * Per-client QoS 1/2 queue above the in-flight window (max_queued_messages). 0 = no bound: the
   * broker holds whatever a slow subscriber is behind, in memory. Default: the deployment example's,
   * scripts/mosquitto-ingest.conf (1,000,000).
   */
  maximumQueuedMessages?: number;
  /** More config lines. */
  extraConfig?: string[];
  /** Give up waiting for the port after this long. Default 10 s. */
  startTimeoutMilliseconds?: number;
}

export interface Mosquitto {
  url: string;
  port: number;
  child: ChildProcess;
  /** The config it was started with. */
  config: string;
  /** Its log so far (log_dest file). */
  log(): string;
  /** Its resident set now, MB (Linux /proc); NaN once it has exited. */
  rssMegabytes(): number;
  /** Its resident set peak so far, MB (VmHWM). */
  rssPeakMegabytes(): number;
  /** SIGTERM, wait for the exit, remove the temp dir. */
  stop(): Promise<void>;
}

export const MOSQUITTO_BINARY = process.env.MOSQUITTO_BINARY ?? '/usr/sbin/mosquitto';

/** The deployment example: the broker settings a server taking MQTT creates needs. */
export const INGEST_CONFIG_EXAMPLE = resolve(import.meta.dirname, '../../../../scripts/mosquitto-ingest.conf');

/** A setting of the deployment example (its first uncommented line), e.g. max_queued_messages. */
export function exampleSetting(name: string): string | undefined {
  const line = readFileSync(INGEST_CONFIG_EXAMPLE, 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
  return line?.slice(name.length + 1).trim();
}

function statusField(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
  } catch {
    return NaN;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'cim-twin-mosquitto-'));
  const port = await freePort();
  const logFile = join(dir, 'mosquitto.log');
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    `max_queued_messages ${options.maximumQueuedMessages ?? Number(exampleSetting('max_queued_messages'))}`,
    `log_dest file ${logFile}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'sys_interval 1',
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, config);
  const child = spawn(MOSQUITTO_BINARY, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + (options.startTimeoutMilliseconds ?? 10_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${MOSQUITTO_BINARY} exited (${child.exitCode ?? child.signalCode}): ${stderr}${readLog()}`);
    }
    if (await portOpen(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${MOSQUITTO_BINARY} did not listen on ${port}: ${stderr}${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    child,
    config,
    log: readLog,
    rssMegabytes: () => statusField(pid, 'VmRSS'),
    rssPeakMegabytes: () => statusField(pid, 'VmHWM'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
