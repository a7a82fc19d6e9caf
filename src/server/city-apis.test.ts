/**
 * The city's APIs at start-up: the server does not wait for the check-up job (half a minute at a
 * million buildings); it runs in the background, and the check-up answers once its months are in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerCityApis } from './city-apis.ts';
import type { MonitoringStore } from './sensorthings/store.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('registerCityApis', () => {
  it('answers before the check-up job has finished, and the check-up has its months once the job is done', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cim-twin-city-apis-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    // A monitoring store whose incidents come only when released: the job waits on it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    const sensors = {
      async incidentsRaised() {
        asked = true;
        await gate;
        return [];
      },
      async thingsWithLastReading() {
        return [];
      },
    } as unknown as MonitoringStore;
    const app = fastify();
    cleanups.push(() => app.close());
    cleanups.push(() => release());
    const logs: string[] = [];
    const registered = registerCityApis(app, {
      origin: 'http://127.0.0.1',
      apiKeys: ['k'],
      assetsLocation: join(directory, 'assets.sqlite'),
      gridsLocation: join(directory, 'grids.sqlite'),
      casesLocation: join(directory, 'cases.sqlite'),
      checkupLocation: join(directory, 'checkup.sqlite'),
      sensors,
      log: (line) => logs.push(line),
    });
    const timeout = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 10_000).unref());
    const city = await Promise.race([registered, timeout]);
    expect(city).not.toBe('timed out');
    await app.ready();
    await expect.poll(() => asked, { timeout: 10_000 }).toBe(true);
    // The job is still waiting: no month yet.
    expect(await (city as Awaited<typeof registered>).checkup.months()).toEqual([]);
    expect(logs.some((line) => line.startsWith('check-up (城市体检):'))).toBe(false);

    release();
    await expect.poll(async () => (await (city as Awaited<typeof registered>).checkup.months()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => logs.some((line) => line.startsWith('check-up (城市体检):')), { timeout: 10_000 }).toBe(true);
  });
});
