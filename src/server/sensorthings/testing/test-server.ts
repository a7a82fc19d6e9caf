/** A monitoring server on a loopback port for tests, over a temporary SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitoringServer, type MonitoringOptions } from '../index.ts';

export const TEST_KEY = 'test-key-5f1c';

export interface TestServer {
  url: string;
  base: string;
  databasePath: string;
  close(): Promise<void>;
  monitoring: Awaited<ReturnType<typeof createMonitoringServer>>['monitoring'];
  /** Authorised JSON request. */
  post(path: string, body: unknown, key?: string | null): Promise<Response>;
  get(path: string): Promise<Response>;
  json<T = Record<string, unknown>>(path: string): Promise<T>;
}

export function temporaryDatabase(): { path: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-monitoring-'));
  return { path: join(directory, 'monitoring.sqlite'), remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export async function startTestServer(options: Partial<MonitoringOptions> & { port?: number } = {}): Promise<TestServer> {
  const databasePath = options.databasePath ?? temporaryDatabase().path;
  // One read worker is enough for a test (and starts in half the time of two).
  const { app, monitoring } = await createMonitoringServer({ apiKeys: [TEST_KEY], ...options, reads: { workers: 1, ...options.reads }, databasePath });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const base = `${url}/v1.1`;
  const server: TestServer = {
    url,
    base,
    databasePath,
    monitoring,
    close: () => app.close(),
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
