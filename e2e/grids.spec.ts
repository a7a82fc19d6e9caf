/**
 * Grids (网格) in the viewer: the grid layer turned on, a unit grid clicked, its panel with its
 * code and the statistics the API gives; a monitoring incident turned into a case with no grid
 * code lands in the unit grid covering its place (checked by the test's own point-in-ring),
 * the grid panel counts it, and 转为案卷 clicked again opens that case instead of making a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { generateDistrict } from '../src/demo/district.ts';
import { generateGrids } from '../src/demo/grids.ts';
import { generateNetwork } from '../src/demo/network.ts';
import type { Position } from '../src/domain/grids/grids.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, expectCanvasRendered, openMonitoringLink, test, waitForReady } from './fixtures.ts';

/** Inside a ring (crossing number): the test's own check of where a point lies (the manholes lie 4 m off the streets, so never on an edge). */
function inside([x, y]: Position, ring: Position[]): boolean {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < xj + ((y - yj) * (xi - xj)) / (yi - yj)) result = !result;
  }
  return result;
}
const ringOf = (grid: { geometry: { coordinates: unknown } }) => (grid.geometry.coordinates as Position[][])[0]!;

const mainKey = () => readFileSync(join(import.meta.dirname, '..', 'data', 'monitoring-api-key'), 'utf8').trim();

interface ApiCase {
  id: string;
  gridCode: string;
  incidentId?: string;
  createdAt: string;
}
interface ApiStats {
  code: string;
  cases: { open: number; overdue: number };
  buildings: { count: number; residents: number };
}

async function stats(page: Page, code: string): Promise<ApiStats> {
  const response = await page.request.get(`/api/grids/${code}/stats`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ApiStats;
}

/** Turn the grid layer on over a grid (top-down, unit level), click inside it on the street by its south-west corner, and wait for its panel. */
async function clickGrid(page: Page, code: string, ring: Position[], lang = 'zh'): Promise<void> {
  const [lon, lat] = [(ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2];
  await page.goto(`/?view=${lon},${lat},1100,0,-90&lang=${lang}`);
  await waitForReady(page);
  await page.getByTestId('grids-visible').check();
  await page.waitForFunction((c) => {
    const drawn = window.__cimTwin!.engine()!.grids.drawn();
    return drawn.level === 'unit' && drawn.codes.includes(c) && drawn.ready && !drawn.loading;
  }, code, { timeout: 90_000 });
  // 7 m into the grid from its corner: the street crossing, where no building stands over the grid.
  const [cornerLon, cornerLat] = ring[0]!;
  const target = await page.evaluate(([x, y]) => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.screenPositionOf(x!, y!, 0);
  }, [cornerLon + 7 / 102_500, cornerLat + 7 / 110_700]);
  expect(target).toBeDefined();
  await page.locator('.cesium-widget canvas').click({ position: { x: target!.x, y: target!.y } });
  await expect(page.getByTestId('grid-panel')).toHaveAttribute('data-grid-code', code);
}

test('the grid layer: a click on a unit grid opens its panel with its code and statistics; an incident made a case lands in its grid, counted there, once', async ({ page, monitoringServer }) => {
  const district = generateDistrict();
  const units = generateGrids(district).filter((g) => g.code.length === 14);
  // A sewage manhole away from the one the case spec uses (the first), with a methane sensor: level II, incident 1.
  const manholes = generateNetwork(district).assets.filter((a) => a.kind === 'manhole' && a.type === 'drainage-sewage');
  // Of those inside the grids (the outermost streets run past them), one 60 % along.
  const placed = manholes.map((m) => ({ m, covering: units.filter((g) => inside([m.lonDegrees, m.latDegrees], ringOf(g))) })).filter((p) => p.covering.length > 0);
  const { m: manhole, covering } = placed[Math.floor(placed.length * 0.6)]!;
  expect(covering).toHaveLength(1);
  const grid = covering[0]!;
  const ring = ringOf(grid);
  const before = await stats(page, grid.code);

  await monitoringServer.post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees));
  await monitoringServer.post('Datastreams(1)/Observations', { result: 30 });
  const incident = await monitoringServer.get<{ raisedAt: string }>('Incidents(1)');
  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(monitoringServer.base)}&incident=1`);
  await waitForReady(page);
  const incidentPanel = page.getByTestId('incident-panel');
  await expect(incidentPanel).toContainText(manhole.id);
  await incidentPanel.getByTestId('incident-to-case-button').click();
  const form = page.getByTestId('case-sign-in');
  await form.getByTestId('case-operator-name').fill('值班员 网格');
  await form.getByTestId('case-operator-key').fill(mainKey());
  await form.getByTestId('case-sign-in-submit').click();
  // No grid code: the server places the case by the incident's place.
  await expect(incidentPanel.getByTestId('incident-to-case-grid')).toHaveValue('');
  await incidentPanel.getByTestId('incident-to-case-submit').click();
  const done = incidentPanel.getByTestId('incident-to-case-done');
  await expect(done).toHaveAttribute('data-case-id', /^AJ\d+$/);
  const id = (await done.getAttribute('data-case-id'))!;
  await expect(page.getByTestId('case-panel')).toHaveAttribute('data-case-id', id);
  await expect(page.getByTestId('case-grid')).toHaveText(grid.code);

  // 转为案卷 again: the incident's case is found and opened; no second case.
  await page.getByTestId('case-panel').getByRole('button', { name: '×' }).click();
  await incidentPanel.getByTestId('incident-to-case-button').click();
  await expect(incidentPanel.getByTestId('incident-to-case-existing')).toHaveCount(0);
  await expect(page.getByTestId('case-panel')).toHaveAttribute('data-case-id', id);
  await expect(incidentPanel.getByTestId('incident-to-case-submit')).toHaveCount(0);
  const bbox = [manhole.lonDegrees - 0.001, manhole.latDegrees - 0.001, manhole.lonDegrees + 0.001, manhole.latDegrees + 0.001].join(',');
  const listed = (await (await page.request.get(`/api/cases?incidentId=1&bbox=${bbox}&limit=100`)).json()) as { cases: ApiCase[] };
  const ofThisIncident = listed.cases.filter((c) => Date.parse(c.createdAt) >= Date.parse(incident.raisedAt) - 60_000);
  expect(ofThisIncident.map((c) => c.id)).toEqual([id]);
  expect(ofThisIncident[0]!.gridCode).toBe(grid.code);

  // The grid layer: click the grid; its panel shows its code and counts the new case.
  const after = await stats(page, grid.code);
  expect(after.cases.open).toBe(before.cases.open + 1);
  expect(after.buildings.count).toBeGreaterThan(0);
  await clickGrid(page, grid.code, ring);
  const panel = page.getByTestId('grid-panel');
  await expect(panel.getByTestId('grid-code')).toHaveText(grid.code);
  await expect(panel.getByTestId('grid-name')).toContainText('单元网格');
  await expect(panel.getByTestId('grid-open-cases')).toHaveText(String(after.cases.open));
  await expect(panel.getByTestId('grid-buildings')).toHaveText(String(after.buildings.count));
  await expect(panel.getByTestId('grid-residents')).toContainText(after.buildings.residents.toLocaleString('zh-CN'));
  await expect(panel.getByTestId('grid-workers')).toContainText('网格员');
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.grids.drawn().labelled)).toBeGreaterThan(0);
  await expectCanvasRendered(page, 0.2);
  await page.screenshot({ path: test.info().outputPath('grid-panel.png') });
});

test('the grid layer in English: the toggle says Grids, and the panel its figures', async ({ page }) => {
  const grid = generateGrids(generateDistrict()).find((g) => g.code === '44060400100105')!;
  await page.goto('/?lang=en');
  await waitForReady(page);
  await expect(page.locator('[data-layer="grids"]')).toContainText('Grids');
  await clickGrid(page, grid.code, ringOf(grid), 'en');
  await expect(page.getByTestId('grid-stats')).toContainText('Open cases');
  // Turning the layer off closes the panel and removes the grids.
  await page.getByTestId('grids-visible').uncheck();
  await expect(page.getByTestId('grid-panel')).toHaveCount(0);
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.grids.drawn().codes)).toEqual([]);
});
