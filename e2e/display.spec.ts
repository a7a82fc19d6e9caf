/**
 * The command-centre display (?mode=display): the KPI strip, the tour through open incidents
 * (most serious first), and recovery from a lost WebGL context by rebuilding the scene.
 */
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, expectCanvasRendered, openMonitoringLink, test, waitForReady } from './fixtures.ts';

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
