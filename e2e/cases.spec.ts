/**
 * Cases (案卷) in the viewer: a grid worker's report taken through the whole workflow in the case
 * panel, each step read back from the API and counted by the daily overview; a monitoring
 * incident made a case from its panel, listed with the incident's ID; a case marker clicked on
 * the map; ?case= restoring the panel. The case API is the e2e server's own (/api/cases, its
 * write key in data/monitoring-api-key).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DISTRICT_CENTRE, generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, expectCanvasRendered, markerScreenPosition, openMonitoringLink, test, waitForReady } from './fixtures.ts';

/** The e2e server's write key (scripts/start.ts keeps it there; the webServer has started by now). */
const mainKey = () => readFileSync(join(import.meta.dirname, '..', 'data', 'monitoring-api-key'), 'utf8').trim();
const GRID = '44060400100101';

interface ApiCase {
  id: string;
  status: string;
  source: string;
  department?: string;
  incidentId?: string;
  classId: string;
  assetIds: string[];
  lon: number;
  lat: number;
  log: { action: string; by: string; note?: string; department?: string }[];
}

async function readCase(page: Page, id: string): Promise<ApiCase> {
  const response = await page.request.get(`/api/cases/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ApiCase;
}

async function statistics(page: Page): Promise<{ filed: number; closed: number; open: number }> {
  const response = await page.request.get('/api/cases/statistics');
  expect(response.status()).toBe(200);
  return (await response.json()) as { filed: number; closed: number; open: number };
}

async function signInForCases(page: Page, name: string, key: string): Promise<void> {
  const form = page.getByTestId('case-sign-in');
  await form.getByTestId('case-operator-name').fill(name);
  await form.getByTestId('case-operator-key').fill(key);
  await form.getByTestId('case-sign-in-submit').click();
  await expect(page.getByTestId('case-sign-in')).toHaveCount(0);
}

test("a grid worker's report becomes a case and is filed, dispatched, handled, sent back, handled, checked and closed; the daily overview counts it", async ({ page }) => {
  const key = mainKey();
  await page.goto(`/?view=${DISTRICT_CENTRE.lonDegrees},${DISTRICT_CENTRE.latDegrees - 0.004},700,0,-60`);
  await waitForReady(page);
  const daily = page.getByTestId('daily-grid-cases');
  await expect(daily.locator('[data-figure="filed"] dd')).toHaveText(/^\d+$/);
  const before = await statistics(page);
  await expect(daily.locator('[data-figure="filed"] dd')).toHaveText(String(before.filed));

  // The list, the form, the operator's sign-in (kept for this tab, for this origin).
  await page.getByTestId('case-list-toggle').click();
  await expect(page.getByTestId('case-list')).toBeVisible();
  await page.getByTestId('case-new').click();
  await signInForCases(page, '网格员 李明', key);
  const form = page.getByTestId('case-form');
  await expect(form.getByTestId('case-grid-hint')).toContainText('按位置自动匹配');
  await form.getByTestId('case-form-class').selectOption('component:0101');
  await form.getByTestId('case-form-grid').fill(GRID);
  const description = `井盖松动 e2e ${Date.now()}`;
  await form.getByTestId('case-form-description').fill(description);
  // The place: picked on the map.
  await form.getByTestId('case-form-pick').click();
  await expect(form.getByTestId('case-form-pick')).toHaveAttribute('aria-pressed', 'true');
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(form.getByTestId('case-form-lon')).toHaveValue(/^113\.\d{6}$/);
  const lon = Number(await form.getByTestId('case-form-lon').inputValue());
  const lat = Number(await form.getByTestId('case-form-lat').inputValue());
  expect(Math.abs(lon - DISTRICT_CENTRE.lonDegrees)).toBeLessThan(0.02);
  expect(Math.abs(lat - DISTRICT_CENTRE.latDegrees)).toBeLessThan(0.02);
  await form.getByTestId('case-form-submit').click();

  const panel = page.getByTestId('case-panel');
  await expect(panel).toBeVisible();
  const id = (await panel.getAttribute('data-case-id'))!;
  expect(id).toMatch(/^AJ\d+$/);
  expect(new URL(page.url()).searchParams.get('case')).toBe(id);
  await expect(panel.getByTestId('case-status')).toHaveAttribute('data-status', 'collected');
  await expect(panel.getByTestId('case-description')).toHaveText(description);
  await expect(panel.getByTestId('case-log').locator('li')).toHaveCount(1);
  const created = await readCase(page, id);
  expect(created).toMatchObject({ status: 'collected', source: 'grid-worker', classId: 'component:0101' });
  expect(created.lon).toBeCloseTo(lon, 5);
  expect(created.log.map((e) => [e.action, e.by])).toEqual([['collect', '网格员 李明']]);
  // Listed, and drawn on the map in its status's colour; a click on the marker opens it.
  await expect(page.locator(`[data-testid="case-row"][data-case-id="${id}"]`)).toHaveAttribute('data-status', 'collected');
  await expect.poll(() => page.evaluate((caseId) => window.__cimTwin!.engine()!.cases.marks().find((m) => m.caseId === caseId)?.colour, id)).toBe('#9e9e9e');
  await panel.getByRole('button', { name: '×' }).click();
  await expect(panel).toHaveCount(0);
  const marker = (await markerScreenPosition(page, created.lon, created.lat))!;
  await canvas.click({ position: { x: marker.x, y: marker.y } });
  await expect(page.getByTestId('case-panel')).toHaveAttribute('data-case-id', id);

  /** Take an action in the panel, and see it there and in the API. */
  const step = async (action: string, status: string, entries: number, fill?: { note?: string; department?: string }) => {
    if (fill?.note) await panel.getByTestId('case-note').fill(fill.note);
    if (fill?.department) await panel.getByTestId('case-dispatch-department').fill(fill.department);
    await panel.getByTestId(`case-action-${action}`).click();
    await expect(panel.getByTestId('case-status')).toHaveAttribute('data-status', status);
    const log = panel.getByTestId('case-log').locator('li');
    await expect(log).toHaveCount(entries);
    await expect(log.last()).toHaveAttribute('data-action', action);
    if (fill?.note) await expect(log.last()).toContainText(fill.note);
    const stored = await readCase(page, id);
    expect(stored.status).toBe(status);
    expect(stored.log).toHaveLength(entries);
    expect(stored.log.at(-1)).toMatchObject({ action, by: '网格员 李明', ...(fill?.note ? { note: fill.note } : {}) });
  };

  // Only the actions the status allows are offered.
  await expect(panel.getByTestId('case-actions').locator('button')).toHaveText(['立案']);
  await step('file', 'filed', 2);
  // The daily overview counts it: filed today, and open.
  await expect(daily.locator('[data-figure="filed"] dd')).toHaveText(String(before.filed + 1));
  expect((await statistics(page)).filed).toBe(before.filed + 1);
  await expect(daily.locator('[data-figure="open"] dd')).toHaveText(String((await statistics(page)).open));
  // A dispatch without a department: the server's message, and nothing changes.
  await panel.getByTestId('case-action-dispatch').click();
  await expect(panel.getByTestId('case-error')).toContainText('department');
  expect((await readCase(page, id)).status).toBe('filed');
  await step('dispatch', 'dispatched', 3, { department: '禅城区城管局' });
  await expect(panel.getByTestId('case-department')).toHaveText('禅城区城管局');
  await step('handle', 'handled', 4, { note: '已紧固井盖' });
  await expect(panel.getByTestId('case-actions').locator('button')).toHaveText(['核查通过', '返工']);
  await step('send-back', 'dispatched', 5, { note: '核查发现井盖仍松动' });
  await step('handle', 'handled', 6, { note: '更换井盖' });
  await step('check', 'checked', 7);
  await step('close', 'closed', 8);
  await expect(panel.getByTestId('case-actions')).toHaveCount(0);
  expect((await readCase(page, id)).log.map((e) => e.action)).toEqual(['collect', 'file', 'dispatch', 'handle', 'send-back', 'handle', 'check', 'close']);
  await expect(daily.locator('[data-figure="closed"] dd')).toHaveText(String(before.closed + 1));
  await expect.poll(() => page.evaluate((caseId) => window.__cimTwin!.engine()!.cases.marks().find((m) => m.caseId === caseId)?.colour, id)).toBe('#66bb6a');
  await expectCanvasRendered(page, 0.2);
  await page.screenshot({ path: test.info().outputPath('case-closed.png') });

  // The link restores the selection, with the log from the API; English in the toggle.
  await page.goto(`/?case=${id}&lang=en`);
  await waitForReady(page);
  await expect(page.getByTestId('case-panel')).toHaveAttribute('data-case-id', id);
  await expect(page.getByTestId('case-status')).toContainText('Closed');
  await expect(page.getByTestId('case-log').locator('li')).toHaveCount(8);
  await expect(page.getByTestId('case-log').locator('li').nth(4)).toContainText('Send back');
  await expect(page.getByTestId('daily-grid-cases')).toContainText('Closure rate');
});

test('a monitoring incident becomes a case from its panel, listed with the incident ID; a stale action gets the server\'s 409', async ({ page, monitoringServer }) => {
  const network = generateNetwork(generateDistrict());
  const manhole = network.assets.find((a) => a.kind === 'manhole' && a.type === 'drainage-sewage')!;
  await monitoringServer.post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees));
  await monitoringServer.post('Datastreams(1)/Observations', { result: 30 }); // level II methane: incident 1
  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(monitoringServer.base)}&incident=1`);
  await waitForReady(page);
  const incidentPanel = page.getByTestId('incident-panel');
  await expect(incidentPanel).toContainText(manhole.id);

  // The case API is another origin than this monitoring server: its own sign-in, with its own key.
  await incidentPanel.getByTestId('incident-to-case-button').click();
  await expect(incidentPanel.getByTestId('case-sign-in')).toHaveAttribute('data-origin', new URL(page.url()).origin);
  await signInForCases(page, '值班员 王工', mainKey());
  await incidentPanel.getByTestId('incident-to-case-grid').fill('4406040010');
  await incidentPanel.getByTestId('incident-to-case-submit').click();
  // A bad grid code: the server's message naming the field, and no case.
  await expect(incidentPanel.getByTestId('incident-to-case-error')).toContainText('gridCode');
  await incidentPanel.getByTestId('incident-to-case-grid').fill('44060400100102');
  await incidentPanel.getByTestId('incident-to-case-submit').click();
  const done = incidentPanel.getByTestId('incident-to-case-done');
  await expect(done).toHaveAttribute('data-case-id', /^AJ\d+$/);
  const id = (await done.getAttribute('data-case-id'))!;

  const panel = page.getByTestId('case-panel');
  await expect(panel).toHaveAttribute('data-case-id', id);
  await expect(panel.getByTestId('case-incident')).toHaveText('#1');
  await expect(panel.getByTestId('case-assets')).toContainText(manhole.id);
  await expect(panel.getByTestId('case-grid')).toHaveText('44060400100102');
  const stored = await readCase(page, id);
  expect(stored).toMatchObject({ source: 'monitoring', incidentId: '1', classId: 'component:0111', assetIds: [manhole.id], status: 'collected' });
  expect(stored.lon).toBeCloseTo(manhole.lonDegrees, 6);
  expect(stored.lat).toBeCloseTo(manhole.latDegrees, 6);

  // In the list (filtered to the grid), with the incident's ID.
  await page.getByTestId('case-list-toggle').click();
  await page.getByTestId('case-filter-grid').fill('44060400100102');
  await page.getByTestId('case-filter-grid').press('Enter');
  const row = page.locator(`[data-testid="case-row"][data-case-id="${id}"]`);
  await expect(row).toHaveAttribute('data-incident-id', '1');
  await expect(row).toContainText('监测事件 #1');
  expect(await page.locator('[data-testid="case-row"]').evaluateAll((rows) => rows.every((r) => r.textContent!.includes('44060400100102')))).toBe(true);

  // Another operator files it first: the panel's 立案 gets the server's 409, and shows the case as it is.
  const filed = await page.request.post(`/api/cases/${id}/actions`, { headers: { 'X-API-Key': mainKey() }, data: { action: 'file', by: '另一值班员' } });
  expect(filed.status()).toBe(200);
  await panel.getByTestId('case-action-file').click();
  await expect(panel.getByTestId('case-error')).toContainText('cannot file a case that is filed');
  await expect(panel.getByTestId('case-status')).toHaveAttribute('data-status', 'filed');
  await expect(panel.getByTestId('case-log').locator('li').last()).toHaveAttribute('data-by', '另一值班员');
  await expect(panel.getByTestId('case-actions').locator('button')).toHaveText(['派遣']);
  await expectCanvasRendered(page, 0.2);
  await page.screenshot({ path: test.info().outputPath('incident-case.png') });
});

test("the display's KPI strip shows today's grid cases as the API counts them", async ({ page }) => {
  await page.goto('/?mode=display');
  await waitForReady(page);
  const response = await page.request.get('/api/cases/statistics');
  const day = (await response.json()) as { filed: number; closed: number; closureRate: number | null; onTimeRate: number | null; open: number; openOverdue: number };
  const percent = (rate: number | null) => (rate === null ? '—' : `${(100 * rate).toFixed(1)}%`);
  const strip = page.getByTestId('kpi-strip');
  await expect(strip.locator('[data-kpi="cases-filed-today"] .value')).toHaveText(String(day.filed));
  await expect(strip.locator('[data-kpi="cases-closed-today"] .value')).toHaveText(String(day.closed));
  await expect(strip.locator('[data-kpi="cases-closure-rate"] .value')).toHaveText(percent(day.closureRate));
  await expect(strip.locator('[data-kpi="cases-on-time-rate"] .value')).toHaveText(percent(day.onTimeRate));
  await expect(strip.locator('[data-kpi="cases-open"] .value')).toHaveText(String(day.open));
  await expect(strip.locator('[data-kpi="cases-overdue"] .value')).toHaveText(String(day.openOverdue));
  // The earlier tests of this file filed cases today: the strip is not showing zeros by default.
  expect(day.filed).toBeGreaterThan(0);
  await expectCanvasRendered(page, 0.2);
  await page.screenshot({ path: test.info().outputPath('display-kpis.png') });
});

test('a case made at another desk shows in the daily figures and the open list at once, through the live stream', async ({ page }) => {
  await page.goto(`/?view=${DISTRICT_CENTRE.lonDegrees},${DISTRICT_CENTRE.latDegrees - 0.004},700,0,-60`);
  await waitForReady(page);
  const daily = page.getByTestId('daily-grid-cases');
  const before = await statistics(page);
  await expect(daily.locator('[data-figure="filed"] dd')).toHaveText(String(before.filed));
  await page.getByTestId('case-list-toggle').click();
  await expect(page.getByTestId('case-list')).toBeVisible();
  // Another desk (here: the API, with the write key) reports a case and files it.
  const description = `另一席位 e2e ${Date.now()}`;
  const created = await page.request.post('/api/cases', { headers: { 'X-API-Key': mainKey() }, data: { source: 'grid-worker', classId: 'component:0101', gridCode: GRID, description, lon: DISTRICT_CENTRE.lonDegrees, lat: DISTRICT_CENTRE.latDegrees, reporter: '网格员 王五' } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await page.request.post(`/api/cases/${id}/actions`, { headers: { 'X-API-Key': mainKey() }, data: { action: 'file', by: '值班长' } })).status()).toBe(200);
  // Well within the figures' one-minute refresh: the stream's change event made the viewer read them again.
  await expect(daily.locator('[data-figure="filed"] dd')).toHaveText(String(before.filed + 1), { timeout: 10_000 });
  await expect(page.locator(`[data-testid="case-row"][data-case-id="${id}"]`)).toHaveAttribute('data-status', 'filed', { timeout: 10_000 });
});
