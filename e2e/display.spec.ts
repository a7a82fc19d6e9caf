/**
 * The command-centre display (?mode=display): the KPI strip, the tour through open incidents
 * (most serious first), and recovery from a lost WebGL context by rebuilding the scene.
 */
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { SENSOR_STATE_COLOURS } from '../src/domain/monitoring/warning.ts';
import { darkBuildingColour } from '../src/domain/thematic/scene-style.ts';
import { PNG } from 'pngjs';
import { demoBuildings, expect, expectCanvasRendered, markerScreenPosition, openMonitoringLink, test, waitForCameraNear, viewAbove, waitForReady } from './fixtures.ts';

/** Mean relative luminance (0–1) of a PNG, every pixel. */
function meanLuminance(png: Buffer): number {
  const image = PNG.sync.read(png);
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 4) sum += 0.2126 * image.data[i]! + 0.7152 * image.data[i + 1]! + 0.0722 * image.data[i + 2]!;
  return sum / (image.width * image.height) / 255;
}

/** Pixels within `radius` of (x, y) whose colour is within `tolerance` (RGB distance) of a #rrggbb colour. */
function pixelsOfColour(png: Buffer, x: number, y: number, radius: number, css: string, tolerance = 60): number {
  const image = PNG.sync.read(png);
  const n = Number.parseInt(css.slice(1), 16);
  const [r, g, b] = [n >> 16, (n >> 8) & 255, n & 255];
  let count = 0;
  for (let py = Math.max(0, Math.round(y - radius)); py <= Math.min(image.height - 1, Math.round(y + radius)); py++) {
    for (let px = Math.max(0, Math.round(x - radius)); px <= Math.min(image.width - 1, Math.round(x + radius)); px++) {
      const i = (py * image.width + px) * 4;
      if (Math.hypot(image.data[i]! - r, image.data[i + 1]! - g, image.data[i + 2]! - b) < tolerance) count++;
    }
  }
  return count;
}

test('display mode: KPIs, a tour that advances from the most serious incident to the next, and a scene rebuilt after a lost WebGL context', async ({ page, monitoringServer }) => {
  const network = generateNetwork(generateDistrict());
  const manholes = network.assets.filter((a) => a.kind === 'manhole' && a.type === 'drainage-sewage');
  // Two manholes far apart, so their readings raise two incidents, not one spreading.
  const [west, east] = [manholes.reduce((a, b) => (b.lonDegrees < a.lonDegrees ? b : a)), manholes.reduce((a, b) => (b.lonDegrees > a.lonDegrees ? b : a))];
  const { base, post } = monitoringServer;
  await post('Things', thingPayload(west!.id, 'methane', west!.lonDegrees, west!.latDegrees));
  await post('Things', thingPayload(east!.id, 'methane', east!.lonDegrees, east!.latDegrees));
  await post('Datastreams(1)/Observations', { result: 12 }); // level III at the west manhole: incident 1
  await post('Datastreams(2)/Observations', { result: 60 }); // level I at the east manhole: incident 2

  await openMonitoringLink(page, `/?mode=display&tour=6&monitoring=${encodeURIComponent(base)}`);
  await waitForReady(page);
  await expect(page.getByTestId('kpi-strip').locator('[data-kpi="open-incidents"] .value')).toHaveText('2');
  await expect(page.getByTestId('kpi-strip').locator('[data-level="1"]')).toContainText('1');
  await expect(page.getByTestId('display-clock')).toBeVisible();
  // The tour starts with the level I incident, then moves on to the level III one.
  const status = page.getByTestId('tour-status');
  await expect(status).toHaveAttribute('data-incident-id', '2');
  await expect(page.getByTestId('incident-panel')).toContainText(east!.id);
  await expect(status).toHaveAttribute('data-incident-id', '1', { timeout: 60_000 });
  await expect(page.getByTestId('incident-panel')).toContainText(west!.id);
  await expectCanvasRendered(page, 0.1);

  // The GPU resets: the scene is rebuilt and signals ready again, with the monitoring state kept.
  await page.evaluate(() => {
    const canvas = window.__cimTwin!.engine()!.viewer.scene.canvas;
    (canvas.getContext('webgl2') ?? canvas.getContext('webgl'))!.getExtension('WEBGL_lose_context')!.loseContext();
  });
  await page.waitForFunction(() => document.body.dataset.readyGeneration === '1', null, { timeout: 180_000 });
  await expectCanvasRendered(page, 0.1);
  await expect(page.getByTestId('kpi-strip').locator('[data-kpi="open-incidents"] .value')).toHaveText('2');
});

test('the display opens in the dark scene style: a dark picture, the alarm in its level colour at its marker', async ({ page, monitoringServer }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const network = generateNetwork(generateDistrict());
  const manhole = network.assets.find((a) => a.kind === 'manhole' && a.type === 'drainage-sewage')!;
  const { base, post } = monitoringServer;
  await post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees));
  await post('Datastreams(1)/Observations', { result: 60 }); // level I

  await openMonitoringLink(page, `/?mode=display&monitoring=${encodeURIComponent(base)}`);
  await waitForReady(page);
  await expect(page.getByTestId('tour-status')).toHaveAttribute('data-incident-id', '1');
  // The tour flies to the incident: wait until the camera is close above it and the tiles are in.
  await waitForCameraNear(page, manhole.lonDegrees, manhole.latDegrees, 500);
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0 && window.__cimTwin!.engine()!.viewer.scene.globe.tilesLoaded, null, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().sceneStyle)).toBe('dark');
  expect(new URL(page.url()).searchParams.has('style')).toBe(false);

  const shot = await page.screenshot();
  const luminance = meanLuminance(shot);
  expect(luminance, `mean luminance of the display (${luminance.toFixed(3)})`).toBeLessThan(0.3);
  await expectCanvasRendered(page, 0.1);
  const point = await markerScreenPosition(page, manhole.lonDegrees, manhole.latDegrees);
  expect(point).toBeTruthy();
  const canvasShot = await page.locator('.cesium-widget canvas').screenshot();
  expect(pixelsOfColour(canvasShot, point!.x, point!.y, 10, SENSOR_STATE_COLOURS[1]), 'pixels of the level I colour at the marker').toBeGreaterThan(4);
});

test('the normal view switches to 深色/科技 and back, kept in the URL as style=dark', async ({ page }) => {
  const [building] = (await demoBuildings(page)).filter((b) => b.height > 30);
  await page.goto(`/?view=${viewAbove(building!)}`);
  await waitForReady(page);
  const appearance = () => page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id), building!.id);
  await expect.poll(async () => (await appearance())?.colour).toBe('#ffffff');
  await page.getByTestId('scene-style-dark').check();
  await expect.poll(() => new URL(page.url()).searchParams.get('style')).toBe('dark');
  await expect.poll(async () => (await appearance())?.colour).toBe(darkBuildingColour(building!.height));
  const dark = meanLuminance(await expectCanvasRendered(page));
  // The link restores the style.
  await page.goto(page.url());
  await waitForReady(page);
  await expect(page.getByTestId('scene-style')).toHaveAttribute('data-style', 'dark');
  await expect.poll(async () => (await appearance())?.colour).toBe(darkBuildingColour(building!.height));
  await page.getByTestId('scene-style-original').check();
  await expect.poll(() => new URL(page.url()).searchParams.has('style')).toBe(false);
  await expect.poll(async () => (await appearance())?.colour).toBe('#ffffff');
  const original = meanLuminance(await expectCanvasRendered(page));
  expect(dark, `dark ${dark.toFixed(3)} against original ${original.toFixed(3)}`).toBeLessThan(original - 0.15);
});
