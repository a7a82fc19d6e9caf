/**
 * Issue 17: the viewer at city scale, 85,000 sensors (Hefei's lifeline platform), against a
 * monitoring server of its own on a database seeded with them (the simulator's city layout:
 * the demo district and copies of it in patches 6 km apart over some 38 km).
 *  - At start the sensors come as the compact SensorIndex, not as expanded Things: the
 *    monitoring server's bytes to the page stay under 5 MB (the expanded form is 57 MB).
 *  - The clusters count every sensor.
 *  - Alarms raised during the test, one in the view and one 20 km away, reach the incident list
 *    and the map at once; the one out of view comes as a state, without its value (the stream
 *    sends values only for the view).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDistrict, DISTRICT_CENTRE } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { SENSOR_STATE_COLOURS } from '../src/domain/monitoring/warning.ts';
import { MonitoringDatabase } from '../src/server/sensorthings/database.ts';
import { defaultThresholdRules } from '../src/server/sensorthings/index.ts';
import { randomPort, startMonitoringProcess } from '../src/server/sensorthings/testing/server-process.ts';
import { seedSensors } from '../src/simulator/seed.ts';
import { citySites, planSites } from '../src/simulator/sites.ts';
import { expect, openMonitoringLink, test, waitForReady } from './fixtures.ts';

const KEY = 'e2e-sensors-city-key';
const SENSORS = 85_000;
const START_BYTES_LIMIT = 5 * 1024 * 1024;

/** In the page: clusters are drawn, and they count every sensor the store has in the clustered box, no more, no less. */
function clustersCountTheView(): boolean {
  const overlay = window.__cimTwin!.engine()!.sensors;
  const scope = overlay.clusterScope();
  if (!scope || overlay.counts().clusters === 0) return false;
  const [west, south, east, north] = scope.box;
  let inBox = 0;
  for (const r of window.__cimTwin!.store.getState().sensors.values()) if (r.lonDegrees >= west && r.lonDegrees <= east && r.latDegrees >= south && r.latDegrees <= north) inBox++;
  return inBox > 0 && scope.sensors === inBox && overlay.clusteredTotal() === inBox;
}

test('85,000 sensors: the compact start under 5 MB, clusters that count every sensor in view, and alarms in and out of view at once', async ({ page }) => {
  test.setTimeout(900_000);
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-sensors-city-'));
  const databasePath = join(directory, 'monitoring.sqlite');
  const planned = planSites(generateDistrict(), generateNetwork(generateDistrict()));
  const sites = citySites(planned, SENSORS);
  const database = new MonitoringDatabase({ path: databasePath, rules: defaultThresholdRules() });
  expect(seedSensors(database, sites, { readingAtMs: Date.now() - 60_000 }).created).toBe(SENSORS);
  database.close();
  // A fresh database: datastream n is site n - 1. One gas sensor in the district, one in the farthest patch.
  const nearIndex = sites.findIndex((s) => s.property === 'methane' && Math.hypot(s.lonDegrees - DISTRICT_CENTRE.lonDegrees, s.latDegrees - DISTRICT_CENTRE.latDegrees) < 0.008);
  const farIndex = sites.findLastIndex((s) => s.property === 'methane');
  expect(nearIndex).toBeLessThan(planned.length);
  expect(farIndex).toBeGreaterThan(40 * planned.length);
  const [near, far] = [nearIndex + 1, farIndex + 1];

  const port = randomPort();
  const base = `http://127.0.0.1:${port}/v1.1`;
  const server: ChildProcess = await startMonitoringProcess(databasePath, port, KEY);
  try {
    // Bytes from the monitoring server as sent (compressed when it compressed them), the event stream aside.
    const monitoringResponses: { url: string; bytes: Promise<number> }[] = [];
    page.on('requestfinished', (request) => {
      if (!request.url().startsWith(base) || request.url().includes('/Stream')) return;
      monitoringResponses.push({ url: request.url(), bytes: request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize) });
    });
    await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}&view=${DISTRICT_CENTRE.lonDegrees},${DISTRICT_CENTRE.latDegrees - 0.02},2500,0,-50`);
    await waitForReady(page);
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live', { timeout: 180_000 });
    await page.waitForFunction((n) => window.__cimTwin!.store.getState().sensors.size === n && window.__cimTwin!.engine()!.sensors.counts().sensors === n, SENSORS, { timeout: 180_000 });

    const startBytes = (await Promise.all(monitoringResponses.map((r) => r.bytes))).reduce((a, b) => a + b, 0);
    const urls = monitoringResponses.map((r) => r.url);
    expect(urls.some((u) => u.endsWith('/SensorIndex')), 'the compact sensor index was loaded').toBe(true);
    expect(urls.filter((u) => u.includes('/Things')), 'no expanded Things').toEqual([]);
    expect(startBytes, `monitoring bytes at start (${urls.length} responses)`).toBeLessThan(START_BYTES_LIMIT);
    test.info().annotations.push({ type: 'start bytes', description: `${startBytes} bytes for ${SENSORS} sensors` });

    // Zoomed out over the district: clusters of the view's sensors (the view widened), which together
    // count every sensor the store has in that box, as counted here from the store itself.
    await page.waitForFunction(clustersCountTheView, null, { timeout: 60_000 });
    const scope = await page.evaluate(() => window.__cimTwin!.engine()!.sensors.clusterScope()!);
    expect(scope.sensors, 'the clusters cover the view, not the whole city').toBeLessThan(SENSORS);
    // The stream knows the view (the district, widened), not the whole city.
    const view = await page.evaluate(() => window.__cimTwin!.store.getState().sensorView);
    expect(view).toBeTruthy();
    expect(view![2] - view![0], 'the view is a district, not the city').toBeLessThan(0.3);
    await page.waitForFunction(() => window.__cimTwin!.monitoring()?.viewInEffect() === true, null, { timeout: 30_000 });

    const farBefore = await page.evaluate((id) => window.__cimTwin!.store.getState().sensors.get(id)!.value, far);
    const post = (datastreamId: number, result: number) => fetch(`${base}/Datastreams(${datastreamId})/Observations`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body: JSON.stringify({ result }) });
    expect((await post(near, 60)).status).toBe(201);
    expect((await post(far, 61)).status).toBe(201);
    // Both incidents in the list; the alarmed sensors red in the store and counted as alarms on the map.
    await expect(page.getByTestId('incident-row')).toHaveCount(2, { timeout: 30_000 });
    await expect(page.getByTestId('incident-row').filter({ hasText: sites[farIndex]!.assetId })).toHaveAttribute('data-level', '1');
    await expect(page.getByTestId('incident-row').filter({ hasText: sites[nearIndex]!.assetId })).toHaveAttribute('data-level', '1');
    await page.waitForFunction(([a, b]) => {
      const sensors = window.__cimTwin!.store.getState().sensors;
      return sensors.get(a!)!.state === 1 && sensors.get(b!)!.state === 1 && window.__cimTwin!.engine()!.sensors.counts().alarms === 2;
    }, [near, far], { timeout: 30_000 });
    expect(await page.evaluate((id) => window.__cimTwin!.engine()!.sensors.colourOf(id), near)).toBe(SENSOR_STATE_COLOURS[1]);
    expect(await page.evaluate((id) => window.__cimTwin!.engine()!.sensors.colourOf(id), far)).toBe(SENSOR_STATE_COLOURS[1]);
    const values = await page.evaluate(([a, b]) => [window.__cimTwin!.store.getState().sensors.get(a!)!.value, window.__cimTwin!.store.getState().sensors.get(b!)!.value], [near, far]);
    expect(values[0], 'in view: the value').toBe(60);
    expect(values[1], 'out of view: the state only, the value stays the one loaded').toBe(farBefore);
    // The clusters still count every sensor of the view once the alarms recoloured them.
    await page.waitForFunction(clustersCountTheView, null, { timeout: 60_000 });
  } finally {
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
