/**
 * The fault tests' harness: the stand-alone monitoring server (scripts/monitoring-server.ts) as a
 * child process of its own, over a database named by its location (a SQLite file, or a
 * postgres:// URL once the PostgreSQL store takes one), so a test can SIGKILL it and start it
 * again; and the backends a fault suite runs on.
 *
 * The PostgreSQL backend runs only when the server really stores in PostgreSQL: a probe starts it
 * on a throwaway database, creates a Thing, and looks for rows in that database's tables. Until
 * the server takes a postgres:// URL (today it would take it as a SQLite file name and store
 * there, which the probe sees), the PostgreSQL half skips with that reason. Set
 * POSTGRES_BACKEND_EXPECTED to true once the PostgreSQL store is merged: a failed probe is then a
 * failure, not a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../../assets/testing/postgres.ts';
import { thingPayload } from '../testing/test-server.ts';

/** Switch to true once the server stores in PostgreSQL (MONITORING_DATABASE=postgres://…). */
export const POSTGRES_BACKEND_EXPECTED = true;

export const REPOSITORY = resolve(import.meta.dirname, '../../../..');
export const FAULT_KEY = 'stafaults-key-7d2e';
const SERVER_SCRIPT = join(REPOSITORY, 'scripts/monitoring-server.ts');
// tsx as a loader by absolute URL: the server may run in a directory of its own, and one
// process (tsx's CLI would run the server in a child, which a SIGKILL would miss).
const TSX_LOADER = pathToFileURL(join(REPOSITORY, 'node_modules/tsx/dist/loader.mjs')).href;

/** A free TCP port on loopback (the kernel's choice, released before use). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** …/v1.1 */
  base: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a clean close), and wait for the exit. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  port?: number;
  /** More command-line options (--mqtt …). */
  args?: string[];
  env?: Record<string, string>;
  /** Working directory (default the repository). */
  cwd?: string;
  /** Give up waiting for the start after this long. Default 60 s. */
  startTimeoutMilliseconds?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Start the stand-alone monitoring server over `location`; resolves once it listens. */
export async function startServerProcess(location: string, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const args = ['--import', TSX_LOADER, SERVER_SCRIPT, '--database', location, '--port', String(port), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPOSITORY,
    env: { ...process.env, MONITORING_API_KEY: FAULT_KEY, MONITORING_DATABASE: location, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const server: ServerProcess = {
    child,
    port,
    base: `http://127.0.0.1:${port}/v1.1`,
    output: () => text,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`monitoring server did not start within ${options.startTimeoutMilliseconds ?? 60_000} ms: ${text}`));
    }, options.startTimeoutMilliseconds ?? 60_000);
    const check = () => {
      if (!text.includes('monitoring server:')) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      resolveStart();
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`monitoring server exited with ${code}: ${text.trim()}`));
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
  });
  return server;
}

/** An authorised JSON POST. */
export function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': FAULT_KEY }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function getJson<T = Record<string, unknown>>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}/${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Register `count` Things with one methane Datastream each (ids 1…count on a fresh database). */
export async function registerSensors(base: string, count: number, prefix = 'FAULT'): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await post(base, 'Things', thingPayload(`${prefix}-${i}`, 'methane', 113.11 + (i % 50) * 0.0004, 23.01 + Math.floor(i / 50) * 0.0004));
    if (response.status !== 201) throw new Error(`register ${prefix}-${i}: ${response.status} ${await response.text()}`);
    const thing = (await response.json()) as { '@iot.id': number };
    const datastreams = await getJson<{ value: { '@iot.id': number }[] }>(base, `Things(${thing['@iot.id']})/Datastreams?$select=id`);
    ids.push(datastreams.value[0]!['@iot.id']);
  }
  return ids;
}

/** Where a backend's databases live; each `fresh()` is an empty database for one server. */
export interface MonitoringBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** Why it is skipped; undefined when it runs. */
  skipReason?: string;
  fresh(): Promise<string>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): MonitoringBackend {
  const directory = mkdtempSync(join(tmpdir(), 'stafaults-'));
  let n = 0;
  return {
    name: 'SQLite',
    fresh: async () => join(directory, `monitoring-${n++}.sqlite`),
    tearDown: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function userTableRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (await client.query<{ name: string }>("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'tiger', 'topology') AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'")).rows;
    let rows = 0;
    for (const { name } of tables) rows += Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`)).rows[0]!.n);
    return rows;
  } finally {
    await client.end();
  }
}

/**
 * Whether the stand-alone server stores in PostgreSQL when given a postgres:// URL: it starts on a
 * throwaway database (in a scratch directory, so a URL taken as a file name lands there), takes a
 * Thing, and the database then has rows. The reason when not.
 */
export async function probePostgresServer(url: string): Promise<{ stores: true } | { stores: false; reason: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'stafaults-probe-'));
  let server: ServerProcess | undefined;
  try {
    try {
      server = await startServerProcess(url, { cwd: scratch, startTimeoutMilliseconds: 30_000 });
    } catch (error) {
      return { stores: false, reason: `the monitoring server does not start on a postgres:// URL: ${(error as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 300)}` };
    }
    const response = await post(server.base, 'Things', thingPayload('PROBE-1', 'methane', 113.11, 23.01));
    if (response.status !== 201) return { stores: false, reason: `the monitoring server on a postgres:// URL answers a Thing with ${response.status}` };
    const rows = await userTableRows(url);
    if (rows === 0) return { stores: false, reason: 'the monitoring server took the postgres:// URL as a SQLite file name: the PostgreSQL database stayed empty (no PostgreSQL store yet)' };
    return { stores: true };
  } finally {
    await server?.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function postgresBackend(skipReason: string | undefined, databases: TestDatabase[]): MonitoringBackend {
  return {
    name: 'PostgreSQL',
    skipReason,
    fresh: async () => {
      const database = await createTestDatabase(['postgis']);
      databases.push(database);
      return database.url;
    },
    tearDown: async () => {
      for (const database of databases.splice(0)) await database.drop();
    },
  };
}

let probed: Promise<string | undefined> | undefined;

/** Why the PostgreSQL half of a fault suite cannot run (undefined: it runs). Probed once per test file. */
export function postgresSkipReason(): Promise<string | undefined> {
  probed ??= (async () => {
    const reachability = await postgresReachable();
    if (!reachability.reachable) {
      if (process.env.CI) throw new Error(`CI must run the PostgreSQL fault tests: ${reachability.reason}`);
      return reachability.reason;
    }
    const database = await createTestDatabase(['postgis']);
    try {
      const probe = await probePostgresServer(database.url);
      if (probe.stores) return undefined;
      if (POSTGRES_BACKEND_EXPECTED) throw new Error(`the PostgreSQL monitoring store is expected (POSTGRES_BACKEND_EXPECTED) but: ${probe.reason}`);
      return probe.reason;
    } finally {
      await database.drop();
    }
  })();
  return probed;
}

/** SQLite and PostgreSQL, for `describe.each`; the PostgreSQL one carries its skip reason. */
export async function monitoringBackends(suite: string): Promise<MonitoringBackend[]> {
  const reason = await postgresSkipReason();
  if (reason) console.warn(`${suite}: skipping PostgreSQL: ${reason}`);
  return [sqliteBackend(), postgresBackend(reason, [])];
}

/** Wait until `condition` holds (polling), or fail naming `what`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMilliseconds: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out after ${timeoutMilliseconds} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
