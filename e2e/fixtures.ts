/**
 * Shared e2e fixtures: every non-localhost request is blocked and fails the test; a monitoring
 * server of the test's own (on request); helpers to wait for the app's ready signal, check the
 * canvas is not blank, and read the demo's search index.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { randomPort, startMonitoringProcess } from '../src/server/sensorthings/testing/server-process.ts';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A monitoring server (SensorThings + lifecycle API) on an empty database, for one test. */
export interface MonitoringServer {
  /** SensorThings base URL (…/v1.1). */
  base: string;
  /** Lifecycle API base URL (…/api). */
  api: string;
  key: string;
  /** POST JSON with the key; fails the test unless the answer is 2xx; returns the parsed body. */
  post(path: string, body: unknown): Promise<unknown>;
  /** GET JSON from the SensorThings API. */
  get<T = Record<string, unknown>>(path: string): Promise<T>;
}

export const test = base.extend<{ outsideRequests: string[]; monitoringServer: MonitoringServer }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern: this one has none.
  // eslint-disable-next-line no-empty-pattern
  monitoringServer: async ({}, use, testInfo) => {
    const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-'));
    const port = randomPort();
    const key = `e2e-${testInfo.testId}`;
    const server = await startMonitoringProcess(join(directory, 'monitoring.sqlite'), port, key);
    const base = `http://127.0.0.1:${port}/v1.1`;
    try {
      await use({
        base,
        api: `http://127.0.0.1:${port}/api`,
        key,
        post: async (path, body) => {
          const response = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': key }, body: JSON.stringify(body) });
          const text = await response.text();
          expect(response.status, `POST ${path}: ${text}`).toBeLessThan(300);
          return text ? (JSON.parse(text) as unknown) : undefined;
        },
        get: async <T,>(path: string) => {
          const response = await fetch(`${base}/${path}`);
          expect(response.status, `GET ${path}`).toBe(200);
          return (await response.json()) as T;
        },
      });
    } finally {
      server.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    }
  },
  outsideRequests: [
    async ({ context }, use) => {
      const outside: string[] = [];
      // context.route also sees requests from Cesium's web workers.
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (LOCAL_HOSTS.has(url.hostname)) return route.continue();
        outside.push(url.href);
        return route.abort('blockedbyclient');
      });
      await use(outside);
      expect(outside, 'requests beyond localhost (the viewer must work offline)').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * Open a link that names a monitoring server not in the config (`?monitoring=`, the test's own
 * servers), and confirm the connection as the user would: the viewer asks first (issue 20 §4).
 */
export async function openMonitoringLink(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('monitoring-link-connect').click();
  await expect(page.getByTestId('monitoring-link-confirm')).toHaveCount(0);
}

/** Wait until the camera is within 400 m (horizontally, near 23°N) of a place and below a height. */
export async function waitForCameraNear(page: Page, lonDegrees: number, latDegrees: number, belowMetres: number): Promise<void> {
  await page.waitForFunction(
    ([lon, lat, below]) => {
      const view = window.__cimTwin!.engine()!.currentView()!;
      return Math.hypot((view.lonDegrees - lon!) * 102_500, (view.latDegrees - lat!) * 110_700) < 400 && view.heightMetres < below!;
    },
    [lonDegrees, latDegrees, belowMetres],
    { timeout: 60_000 },
  );
}

/** Where a marker 3 m above a place is drawn on the canvas, after a fresh frame (undefined if not in view). */
export async function markerScreenPosition(page: Page, lonDegrees: number, latDegrees: number): Promise<{ x: number; y: number } | undefined> {
  return page.evaluate(([lon, lat]) => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.screenPositionOf(lon!, lat!, 3);
  }, [lonDegrees, latDegrees]);
}

export async function waitForReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 180_000 });
}

/** Fraction of sampled pixels that differ from the most common colour, and the number of distinct colours. */
export function imageVariety(png: Buffer): { distinctColours: number; nonDominantFraction: number } {
  const image = PNG.sync.read(png);
  const counts = new Map<number, number>();
  let samples = 0;
  for (let y = 0; y < image.height; y += 4) {
    for (let x = 0; x < image.width; x += 4) {
      const i = (y * image.width + x) * 4;
      // Quantise a little so dithering does not count as variety.
      const key = ((image.data[i]! >> 3) << 10) | ((image.data[i + 1]! >> 3) << 5) | (image.data[i + 2]! >> 3);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      samples++;
    }
  }
  const dominant = Math.max(...counts.values());
  return { distinctColours: counts.size, nonDominantFraction: 1 - dominant / samples };
}

/**
 * The canvas shows a rendered scene: the WebGL context is alive and the picture is not one flat
 * colour. `minimumNonDominantFraction` is the share of pixels that must differ from the most
 * common colour (a city view is far above 0.3; a lone building on open ground much less).
 */
export async function expectCanvasRendered(page: Page, minimumNonDominantFraction = 0.3): Promise<Buffer> {
  const lost = await page.evaluate(() => {
    const canvas = document.querySelector('.cesium-widget canvas') as HTMLCanvasElement | null;
    const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
    return !gl || gl.isContextLost();
  });
  expect(lost, 'the WebGL context is lost or missing').toBe(false);
  const shot = await page.locator('.cesium-widget canvas').screenshot();
  const variety = imageVariety(shot);
  expect(variety.distinctColours, 'the canvas is blank or nearly so').toBeGreaterThan(50);
  expect(variety.nonDominantFraction).toBeGreaterThan(minimumNonDominantFraction);
  return shot;
}

export interface SearchRow {
  id: string;
  name: string;
  address: string;
  lon: number;
  lat: number;
  height: number;
  /** Styling attributes; null where the tiles lack them. */
  use: string | null;
  floors: number | null;
  yearBuilt: number | null;
  stage: string | null;
  /** Ground footprint, m². */
  footprint: number | null;
}

export async function demoBuildings(page: Page): Promise<SearchRow[]> {
  const response = await page.request.get('/tiles/demo/buildings/search-index.json');
  expect(response.ok()).toBe(true);
  const index = (await response.json()) as { fields: string[]; rows: unknown[][] };
  return index.rows.map((row) => Object.fromEntries(index.fields.map((f, i) => [f, row[i]])) as unknown as SearchRow);
}

/** Camera preset: straight down on a building's roof centre, from `above` metres over it. */
export function viewAbove(building: SearchRow, aboveMetres = 220): string {
  return `${building.lon},${building.lat},${building.height + aboveMetres},0,-90`;
}
