/**
 * A monitoring server on a loopback port for tests, over a temporary SQLite file, or (backend
 * 'postgres') a throwaway PostgreSQL database, dropped when the server closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitoringServer, type Monitoring, type MonitoringOptions } from '../index.ts';
import type { MonitoringDatabase } from '../database.ts';
import { createTestDatabase, postgresReachable } from '../../assets/testing/postgres.ts';

export type Backend = 'sqlite' | 'postgres';

/** The backends a suite runs on: SQLite always; PostgreSQL with the reason it is skipped when no server answers (CI must have one). */
export async function testBackends(suite: string): Promise<{ name: string; backend: Backend; skipReason?: string }[]> {
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    if (process.env.CI) throw new Error(`CI must run the PostgreSQL ${suite} tests: ${reachability.reason}`);
    console.warn(`${suite}: skipping PostgreSQL: ${reachability.reason}`);
  }
  return [
    { name: 'SQLite', backend: 'sqlite' },
    { name: 'PostgreSQL', backend: 'postgres', ...(reachability.reachable ? {} : { skipReason: reachability.reason }) },
  ];
}

export const TEST_KEY = 'test-key-5f1c';

export interface TestServer {
  url: string;
  base: string;
  databasePath: string;
  close(): Promise<void>;
  /** `database`: the SQLite one (undefined on PostgreSQL). */
  monitoring: Monitoring & { database: MonitoringDatabase };
  backend: Backend;
  /** Run SQL on the server's database directly (a test's set-up of what the API cannot make). */
  sql(text: string): Promise<void>;
  /** Authorised JSON request. */
  post(path: string, body: unknown, key?: string | null): Promise<Response>;
  get(path: string): Promise<Response>;
  json<T = Record<string, unknown>>(path: string): Promise<T>;
}

export function temporaryDatabase(): { path: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-monitoring-'));
  return { path: join(directory, 'monitoring.sqlite'), remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export async function startTestServer(options: Partial<MonitoringOptions> & { port?: number; backend?: Backend } = {}): Promise<TestServer> {
  const backend = options.backend ?? 'sqlite';
  const postgres = backend === 'postgres' && !options.databasePath ? await createTestDatabase(['postgis']) : undefined;
  const databasePath = postgres?.url ?? options.databasePath ?? temporaryDatabase().path;
  // One read worker is enough for a test (and starts in half the time of two).
  const { app, monitoring } = await createMonitoringServer({ apiKeys: [TEST_KEY], ...options, reads: { workers: 1, ...options.reads }, databasePath });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const base = `${url}/v1.1`;
  const server: TestServer = {
    url,
    base,
    databasePath,
    monitoring: monitoring as TestServer['monitoring'],
    backend,
    sql: async (text) => {
      if (backend === 'sqlite') {
        (monitoring as TestServer['monitoring']).database.db.exec(text);
        return;
      }
      const client = new pg.Client({ connectionString: databasePath });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await app.close();
      await postgres?.drop();
    },
    post: (path, body, key = TEST_KEY) =>
      fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(key ? { 'X-API-Key': key } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    get: (path) => fetch(`${base}/${path}`),
    json: async <T>(path: string) => {
      const response = await fetch(`${base}/${path}`);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
  return server;
}

/** A Thing on an asset, with one Datastream, in SensorThings deep-insert form. */
export function thingPayload(assetId: string, observedProperty: string, lonDegrees: number, latDegrees: number, assetKind = 'manhole') {
  return {
    name: `${observedProperty} at ${assetId}`,
    description: 'test sensor',
    properties: { assetId, assetKind },
    Locations: [{ name: assetId, description: '', encodingType: 'application/geo+json', location: { type: 'Point', coordinates: [lonDegrees, latDegrees] } }],
    Datastreams: [
      {
        name: `${observedProperty} ${assetId}`,
        description: '',
        observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        unitOfMeasurement: { name: 'unit', symbol: 'u', definition: 'u' },
        Sensor: { name: 'sensor', description: '', encodingType: 'text/plain', metadata: 'model X' },
        ObservedProperty: { name: observedProperty, definition: `urn:cim-twin:${observedProperty}`, description: '' },
      },
    ],
  };
}
