/**
 * The dual command (双指挥): the daily mode's case statistics, sensor health and inspection
 * overview; the emergency mode's linked-unit checklist, log notes and valve isolation, written
 * back to the monitoring API and read again after a reload.
 */
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { unitsCalled } from '../src/domain/emergency/linkage.ts';
import { isolateBreak, suspectedBreak } from '../src/domain/emergency/valve-isolation.ts';
import { inspectionDigest, inspectionOverview } from '../src/domain/lifecycle/inspections.ts';
import { NetworkIndex } from '../src/domain/network-index.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, openMonitoringLink, test, waitForReady } from './fixtures.ts';

/** Today in China Standard Time, YYYY-MM-DD. */
const todayInChina = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

test('daily mode: cases, sensor health and inspections; emergency mode: linked units, notes and valve isolation kept by the monitoring API', async ({ page, monitoringServer }) => {
  const district = generateDistrict();
  const network = generateNetwork(district);
  const index = new NetworkIndex(network);
  // A water valve on a main whose break needs at least two valves closed.
  const valve = network.assets.find((a) => {
    if (a.kind !== 'valve' || a.type !== 'water') return false;
    const segment = suspectedBreak([a.id], index, ['water']);
    return segment !== undefined && isolateBreak(network, segment.id).valvesToClose.length >= 2;
  })!;
  const broken = suspectedBreak([valve.id], index, ['water'])!;
  const isolation = isolateBreak(network, broken.id);
  const [manhole, silent] = network.assets.filter((a) => a.kind === 'manhole' && a.type === 'drainage-sewage');

  const { base, api, key, post, get } = monitoringServer;
  await post('Things', thingPayload(valve.id, 'water-pressure', valve.lonDegrees, valve.latDegrees, 'valve'));
  await post('Things', thingPayload(manhole!.id, 'methane', manhole!.lonDegrees, manhole!.latDegrees));
  await post('Things', thingPayload(silent!.id, 'methane', silent!.lonDegrees, silent!.latDegrees)); // never reports
  await post('Datastreams(1)/Observations', { result: 0.1 }); // below 0.12 MPa: a level II burst, incident 1
  await post('Datastreams(2)/Observations', { result: 12 }); // methane at level III, incident 2
  const records = generateLifecycles(district);
  const imported = await fetch(`${api}/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': key }, body: JSON.stringify(records) });
  expect(imported.status).toBe(200);
  const inspections = inspectionOverview(records.map(inspectionDigest), todayInChina());
  expect(inspections.overdue.length).toBeGreaterThan(0);

  // The daily overview never asks for every building's record: its figures and first rows, then
  // pages. No response it receives is over 2 MB.
  const lifecycleReads: string[] = [];
  const oversized: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/lifecycle/')) lifecycleReads.push(request.url());
  });
  page.on('response', (response) => {
    if (!/\.(js|wasm|css)(\?|$)/.test(response.url())) void response.body().then((body) => body.length > 2 * 1024 * 1024 && oversized.push(`${response.url()} (${body.length} bytes)`)).catch(() => undefined);
  });
  const query = `monitoring=${encodeURIComponent(base)}&lifecycle=${encodeURIComponent(api)}`;
  await openMonitoringLink(page, `/?${query}`);
  await waitForReady(page);

  // Daily mode (the default): case statistics of the last 7 days.
  const daily = page.getByTestId('daily-overview');
  await expect(page.getByTestId('command-daily')).toHaveAttribute('aria-pressed', 'true');
  await expect(daily.locator('[data-figure="total"] dd')).toHaveText('2');
  await expect(daily.locator('[data-figure="today"] dd')).toHaveText('2');
  await expect(page.getByTestId('daily-per-day')).toHaveAttribute('data-values', '0,0,0,0,0,0,2');
  await expect(page.getByTestId('daily-cases').locator('[data-type="water-main-burst"] td')).toHaveText('1');
  await expect(page.getByTestId('daily-open-by-status')).toContainText('已报警 2');
  // Sensor health: the silent manhole sensor is offline and listed first.
  const health = page.getByTestId('daily-health');
  await expect(health.locator('[data-property="methane"] td')).toHaveText(['2', '1', '1', '1']);
  await expect(health.locator('[data-property="water-pressure"] td')).toHaveText(['1', '1', '0', '1']);
  await expect(page.getByTestId('daily-offline').locator('li').first()).toContainText(silent!.id);
  await expect(page.getByTestId('daily-offline').locator('li').first()).toContainText('从未上报');
  // Inspections from the lifecycle API.
  const inspectionSection = page.getByTestId('daily-inspections');
  await expect(inspectionSection.locator('[data-figure="overdue"] dd')).toHaveText(String(inspections.overdue.length));
  await expect(inspectionSection.locator('[data-figure="rectification"] dd')).toHaveText(String(inspections.rectification.length));
  await expect(inspectionSection.locator('[data-figure="in-use"] dd')).toHaveText(String(inspections.inUse));
  await expect(page.getByTestId('daily-overdue').locator('li').first()).toContainText(inspections.overdue[0]!.buildingId);
  // The first 5 rows come with the figures; "more" reads the next page of the list.
  expect(inspections.overdue.length).toBeGreaterThan(5);
  await expect(page.getByTestId('daily-overdue').locator('li')).toHaveCount(5);
  await page.getByTestId('daily-overdue-more').click();
  await expect(page.getByTestId('daily-overdue').locator('li')).toHaveCount(Math.min(25, inspections.overdue.length));
  await expect(page.getByTestId('daily-overdue').locator('li').nth(5)).toContainText(inspections.overdue[5]!.buildingId);
  const inspectionReads = lifecycleReads.map((url) => new URL(url));
  expect(inspectionReads.filter((url) => url.pathname.endsWith('/lifecycle/summary')), 'every building\'s dates').toEqual([]);
  for (const url of inspectionReads.filter((u) => /\/lifecycle\/inspections/.test(u.pathname))) {
    expect(Number(url.searchParams.get('limit')), `${url.toString()} is bounded`).toBeLessThanOrEqual(20);
  }
  expect(inspectionReads.some((url) => url.pathname.endsWith('/lifecycle/inspections/overdue') && url.searchParams.get('offset') === '5')).toBe(true);
  expect(oversized, 'responses over 2 MB').toEqual([]);

  // Emergency mode on the burst: the plan's linked units for a level II water-main burst.
  await page.locator('[data-testid="incident-row"][data-incident-id="1"]').click();
  await page.getByTestId('operator-name').fill('值班员 王工');
  await page.getByTestId('operator-key').fill(key);
  await page.getByTestId('operator-sign-in').getByRole('button').click();
  await page.getByTestId('enter-emergency').click();
  await expect(page.getByTestId('command-emergency')).toHaveAttribute('aria-pressed', 'true');
  await expect(daily).toHaveCount(0);
  expect(new URL(page.url()).searchParams.get('command')).toBe('emergency');
  const units = unitsCalled('water-main-burst', 2).map((u) => u.id);
  expect(units.length).toBeGreaterThan(2);
  const checklist = page.getByTestId('linkage-checklist').locator('li');
  expect(await checklist.evaluateAll((items) => items.map((li) => li.getAttribute('data-unit')))).toEqual(units);
  await page.getByTestId(`notify-${units[0]}`).click();
  await expect(page.locator(`[data-unit="${units[0]}"]`)).toHaveAttribute('data-state', 'notified');
  await page.getByTestId(`arrive-${units[0]}`).click();
  await expect(page.locator(`[data-unit="${units[0]}"]`)).toHaveAttribute('data-state', 'arrived');
  await page.getByTestId(`notify-${units[1]}`).click();
  await expect(page.getByTestId('checklist-progress')).toHaveText(`已通知 2/${units.length} · 已到场 1/${units.length}`);
  await page.getByTestId('log-note').fill('已关闭上游阀门，设置围挡');
  await page.getByTestId('log-note-submit').click();
  await expect(page.getByTestId('incident-log')).toContainText('已关闭上游阀门，设置围挡');
  await expect(page.getByTestId('incident-log')).toContainText('通知 供水企业抢修队');
  // Written back with who and when.
  const stored = await get<{ status: string; transitions: { kind: string; by: string; unit?: string; note?: string; at: string }[] }>('Incidents(1)');
  expect(stored.status).toBe('raised');
  expect(stored.transitions.filter((t) => t.by !== 'system').map((t) => [t.kind, t.unit ?? t.note, t.by])).toEqual([
    ['notify', units[0], '值班员 王工'],
    ['arrive', units[0], '值班员 王工'],
    ['notify', units[1], '值班员 王工'],
    ['note', '已关闭上游阀门，设置围挡', '值班员 王工'],
  ]);

  // The analyses of the incident in focus: valve isolation of the main the valve sits on.
  await page.getByTestId('emergency-isolation').click();
  await expect(page.getByTestId('isolation-result')).toHaveAttribute('data-broken', broken.id);
  const valves = page.getByTestId('isolation-valves').locator('li');
  await expect(valves).toHaveCount(isolation.valvesToClose.length);
  expect(await valves.evaluateAll((items) => items.map((li) => li.getAttribute('data-valve')))).toEqual(isolation.valvesToClose);

  // A reload in emergency mode without an incident focuses the most serious open one, with its log from the API.
  await openMonitoringLink(page, `/?${query}&command=emergency`);
  await waitForReady(page);
  await expect(page.getByTestId('incident-panel')).toContainText(valve.id);
  await expect(page.locator(`[data-unit="${units[0]}"]`)).toHaveAttribute('data-state', 'arrived');
  await expect(page.getByTestId('daily-overview')).toHaveCount(0);
  // Back to the daily mode.
  await page.getByTestId('command-daily').click();
  await expect(page.getByTestId('daily-overview')).toBeVisible();
  expect(new URL(page.url()).searchParams.get('command')).toBeNull();
});
