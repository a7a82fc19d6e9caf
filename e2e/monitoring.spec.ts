/**
 * Live monitoring end to end, in the browser against real servers:
 *  - a monitoring server of its own (a child process, so it can be stopped and started), a
 *    gas reading over the threshold on a known manhole, the marker, the incident, the flight,
 *    the stale banner during an outage and its clearing after;
 *  - the full demo of `npm start`, with the simulator, shows its sensors live.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDistrict, DISTRICT_CENTRE } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { SENSOR_STATE_COLOURS } from '../src/domain/monitoring/warning.ts';
import { randomPort, startMonitoringProcess } from '../src/server/sensorthings/testing/server-process.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, expectCanvasRendered, markerScreenPosition, openMonitoringLink, test, waitForCameraNear, waitForReady } from './fixtures.ts';

const KEY = 'e2e-monitoring-key';

/** "#rrggbb" as getComputedStyle gives it. */
function cssRgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** The storm manhole nearest the district centre (the demo generator is deterministic). */
function knownManhole() {
  const network = generateNetwork(generateDistrict());
  const manholes = network.assets.filter((a) => a.kind === 'manhole' && a.type === 'drainage-storm');
  const distance = (a: (typeof manholes)[number]) => Math.hypot(a.lonDegrees - DISTRICT_CENTRE.lonDegrees, a.latDegrees - DISTRICT_CENTRE.latDegrees);
  return manholes.reduce((best, a) => (distance(a) < distance(best) ? a : best));
}

test('a gas reading over the threshold turns its marker red within a second, raises an incident that flies there, and an outage shows as stale', async ({ page }) => {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-monitoring-'));
  const port = randomPort();
  const base = `http://127.0.0.1:${port}/v1.1`;
  let server: ChildProcess = await startMonitoringProcess(join(directory, 'monitoring.sqlite'), port, KEY);
  try {
    const manhole = knownManhole();
    const post = (path: string, body: unknown) => fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body: JSON.stringify(body) });
    expect((await post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees))).status).toBe(201);
    expect((await post('Datastreams(1)/Observations', { result: 1.2 })).status).toBe(201);

    // Looking at the district from afar, so the flight to the incident has somewhere to go.
    await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}&view=113.125,22.995,2500,0,-45`);
    await waitForReady(page);
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live');
    const colour = () => page.evaluate(() => window.__cimTwin!.engine()!.sensors.colourOf(1));
    expect(await colour()).toBe(SENSOR_STATE_COLOURS.normal);

    const posted = Date.now();
    expect((await post('Datastreams(1)/Observations', { result: 55 })).status).toBe(201); // ≥ 50 %LEL: level I
    await page.waitForFunction((red) => window.__cimTwin!.engine()!.sensors.colourOf(1) === red, SENSOR_STATE_COLOURS[1], { timeout: 1000, polling: 20 });
    expect(Date.now() - posted).toBeLessThan(1000);

    const row = page.getByTestId('incident-row').first();
    await expect(row).toHaveAttribute('data-level', '1');
    await expect(row).toContainText(manhole.id);
    await row.click();
    await expect(page.getByTestId('incident-panel')).toContainText(manhole.id);
    // The camera flies to the incident: it ends close above the manhole.
    await waitForCameraNear(page, manhole.lonDegrees, manhole.latDegrees, 400);
    expect(page.url()).toContain('incident=1');
    expect(await page.evaluate((id) => window.__cimTwin!.engine()!.incidentTintOf(id), manhole.id)).toBe(SENSOR_STATE_COLOURS[1]);
    await expectCanvasRendered(page);

    // The sensor itself: its panel with the value, its state and the chart of its readings.
    const point = await markerScreenPosition(page, manhole.lonDegrees, manhole.latDegrees);
    expect(point).toBeTruthy();

    // The alarm pulses: a ring of its level over the marker, animated by CSS, so no frame is drawn for it.
    const ring = await page.evaluate(() => {
      const element = document.querySelector<HTMLElement>('[data-testid="alarm-pulses"] .cim-alarm-pulse[data-datastream-id="1"]');
      if (!element || element.hidden) return undefined;
      const [x, y] = (/translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(element.style.transform) ?? []).slice(1).map(Number);
      return { x, y, colour: getComputedStyle(element, '::after').borderTopColor, animations: element.getAnimations({ subtree: true }).filter((a) => a.playState === 'running').length };
    });
    expect(ring, 'a pulse ring over the alarmed sensor').toBeTruthy();
    expect(Math.hypot(ring!.x! - point!.x, ring!.y! - point!.y)).toBeLessThan(2);
    expect(ring!.colour).toBe(cssRgb(SENSOR_STATE_COLOURS[1]));
    expect(ring!.animations).toBeGreaterThan(0);
    await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0 && window.__cimTwin!.engine()!.viewer.scene.globe.tilesLoaded, null, { timeout: 60_000 });
    const framesWhilePulsing = await page.evaluate(async () => {
      const scene = window.__cimTwin!.engine()!.viewer.scene;
      let frames = 0;
      const remove = scene.postRender.addEventListener(() => frames++);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      remove();
      return frames;
    });
    // A WebGL pulse (the earlier design) drew four frames a second here.
    expect(framesWhilePulsing, 'frames drawn in 3 s with the alarm pulsing and nothing else changing').toBeLessThanOrEqual(1);
    const canvasBox = (await page.locator('.cesium-widget canvas').boundingBox())!;
    await page.mouse.click(canvasBox.x + point!.x, canvasBox.y + point!.y);
    await expect(page.getByTestId('sensor-panel')).toBeVisible();
    await expect(page.getByTestId('sensor-value')).toHaveText('55');
    await expect(page.getByTestId('sensor-state')).toHaveAttribute('data-state', '1');
    await expect(page.getByTestId('sensor-chart')).toHaveAttribute('data-points', '2');

    // The operator acknowledges it; the log records who.
    await page.getByTestId('operator-name').fill('值班员 王工');
    await page.getByTestId('operator-key').fill(KEY);
    await page.getByTestId('operator-sign-in').getByRole('button').click();
    await page.getByTestId('incident-acknowledge').click();
    await expect(page.getByTestId('incident-status')).toContainText('已确认');
    await expect(page.getByTestId('incident-log')).toContainText('值班员 王工');

    // An outage: the banner turns stale and shows the data's age; after the restart it clears.
    server.kill('SIGTERM');
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'stale', { timeout: 60_000 });
    await expect(page.getByTestId('stale-age')).toBeVisible();
    server = await startMonitoringProcess(join(directory, 'monitoring.sqlite'), port, KEY);
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
    // Nothing lost: a reading made right after the restart arrives.
    expect((await post('Datastreams(1)/Observations', { result: 2 })).status).toBe(201);
    await page.waitForFunction((green) => window.__cimTwin!.engine()!.sensors.colourOf(1) === green, SENSOR_STATE_COLOURS.normal, { timeout: 10_000 });
  } finally {
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the demo of npm start serves live simulated sensors', async ({ page }) => {
  const port = randomPort();
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-demo-'));
  const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(port), MONITORING_DATABASE: join(directory, 'monitoring.sqlite'), MONITORING_API_KEY: KEY, SIMULATOR_INTERVAL: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      demo.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('simulator: registered')) resolve();
      });
      demo.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await waitForReady(page);
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live');
    const counts = await page.evaluate(() => window.__cimTwin!.engine()!.sensors.counts());
    expect(counts.sensors).toBeGreaterThan(1000);
    expect(counts.visible).toBe(true);
    // The sensor layer can be switched off (the data keeps flowing) and the URL remembers it.
    await expect(page.locator('[data-layer="sensors"] .kind')).toHaveText(counts.sensors.toLocaleString('zh-CN'));
    await page.getByTestId('sensors-visible').uncheck();
    await expect.poll(() => page.evaluate(() => window.__cimTwin!.engine()!.sensors.counts().visible)).toBe(false);
    expect(new URL(page.url()).searchParams.get('sensors')).toBe('0');
    await page.getByTestId('sensors-visible').check();
    // Readings keep arriving: a sensor's time moves on.
    const latest = () => page.evaluate(() => Math.max(...[...window.__cimTwin!.store.getState().sensors.values()].map((s) => Date.parse(s.time ?? '0'))));
    const first = await latest();
    await page.waitForFunction((before) => Math.max(...[...window.__cimTwin!.store.getState().sensors.values()].map((s) => Date.parse(s.time ?? '0'))) > before, first, { timeout: 30_000 });
    await expectCanvasRendered(page);
  } finally {
    demo.kill('SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a clicked sensor is kept in the URL (sensor=<datastream id>), and the link opens its panel, flying to it when the link names no view', async ({ page, browser, monitoringServer }) => {
  const manhole = knownManhole();
  const { base, post } = monitoringServer;
  await post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees));
  await post('Datastreams(1)/Observations', { result: 0.4 });
  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}&view=${manhole.lonDegrees},${manhole.latDegrees},300,0,-90`);
  await waitForReady(page);
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live');
  const point = await markerScreenPosition(page, manhole.lonDegrees, manhole.latDegrees);
  expect(point).toBeTruthy();
  const canvasBox = (await page.locator('.cesium-widget canvas').boundingBox())!;
  await page.mouse.click(canvasBox.x + point!.x, canvasBox.y + point!.y);
  await expect(page.getByTestId('sensor-panel')).toBeVisible();
  await expect(page.getByTestId('sensor-value')).toHaveText('0.4');
  await expect.poll(() => new URL(page.url()).searchParams.get('sensor')).toBe('1');

  // The link as copied (with its view) opens the panel on the same reading.
  const shared = await browser.newPage();
  await openMonitoringLink(shared, page.url());
  await waitForReady(shared);
  await expect(shared.getByTestId('sensor-panel')).toBeVisible();
  await expect(shared.getByTestId('sensor-panel')).toContainText(manhole.id);
  await expect(shared.getByTestId('sensor-value')).toHaveText('0.4');
  await shared.close();

  // A link with the sensor alone opens onto it: the camera flies close to the sensor.
  const bare = await browser.newPage();
  await openMonitoringLink(bare, `/?monitoring=${encodeURIComponent(base)}&sensor=1`);
  await waitForReady(bare);
  await expect(bare.getByTestId('sensor-panel')).toBeVisible();
  await waitForCameraNear(bare, manhole.lonDegrees, manhole.latDegrees, 400);
  await expectCanvasRendered(bare);
  // Closing the panel drops the sensor from the URL.
  await bare.getByTestId('sensor-panel').getByRole('button', { name: '×' }).click();
  await expect(bare.getByTestId('sensor-panel')).toBeHidden();
  expect(new URL(bare.url()).searchParams.has('sensor')).toBe(false);
  await bare.close();
});
