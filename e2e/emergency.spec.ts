/**
 * Emergency tools: an incident deep link opening onto its impact rings and the buildings in
 * them; valve isolation (关阀分析) of a break on a demo water main, with a failed valve.
 */
import { DISTRICT_CENTRE, generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { buildingsInRings, ringRadii } from '../src/domain/emergency/impact.ts';
import { isolateBreak } from '../src/domain/emergency/valve-isolation.ts';
import { traceNetwork } from '../src/domain/emergency/tracing.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { demoBuildings, expect, expectCanvasRendered, imageVariety, openMonitoringLink, test, waitForReady } from './fixtures.ts';

test('?incident=ID opens onto the incident with its impact rings, the buildings in them and the spaces gas could reach', async ({ page, monitoringServer }) => {
  const network = generateNetwork(generateDistrict());
  // A sewer manhole near the district centre, among buildings.
  const manholes = network.assets.filter((a) => a.kind === 'manhole' && a.type === 'drainage-sewage');
  const distance = (a: (typeof manholes)[number]) => Math.hypot(a.lonDegrees - DISTRICT_CENTRE.lonDegrees, a.latDegrees - DISTRICT_CENTRE.latDegrees);
  const manhole = manholes.reduce((best, a) => (distance(a) < distance(best) ? a : best));
  const { base, post } = monitoringServer;
  await post('Things', thingPayload(manhole.id, 'methane', manhole.lonDegrees, manhole.latDegrees));
  await post('Datastreams(1)/Observations', { result: 30 }); // level II methane in the manhole

  await page.goto('/');
  const rows = await demoBuildings(page);
  const radii = ringRadii('methane-over-limit');
  const expected = buildingsInRings(
    rows.map((r) => ({ id: r.id, name: r.name, lonDegrees: r.lon, latDegrees: r.lat, heightMetres: r.height, ...(r.use ? { use: r.use } : {}), ...(r.floors ? { floors: r.floors } : {}), ...(r.footprint ? { footprintSquareMetres: r.footprint } : {}) })),
    manhole.lonDegrees,
    manhole.latDegrees,
    radii,
  );
  expect(expected[0]!.buildings.length + expected[1]!.buildings.length).toBeGreaterThan(0);

  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}&incident=1`);
  await waitForReady(page);
  await expect(page.getByTestId('incident-panel')).toContainText(manhole.id);
  const rings = page.getByTestId('impact-rings').locator(':scope > li');
  await expect(rings).toHaveCount(radii.length);
  for (const [i, ring] of expected.entries()) {
    await expect(rings.nth(i)).toHaveAttribute('data-buildings', String(ring.buildings.length));
    await expect(rings.nth(i)).toHaveAttribute('data-occupancy', String(ring.occupancy));
  }
  const nearest = expected.find((r) => r.buildings.length > 0)!.buildings[0]!;
  await expect(page.locator(`[data-building="${nearest.id}"]`).first()).toBeAttached();
  // Drawn around the incident in 3D, and the spaces a gas leak could reach, the same-trench ones first.
  await expect.poll(() => page.evaluate(() => window.__cimTwin!.engine()!.impactRings.radii)).toEqual(radii);
  await expect(page.getByTestId('nearby-assets')).toHaveAttribute('data-count', /^[1-9]\d*$/);
  const connections = await page.getByTestId('adjacent-spaces').locator('li[data-connection]').evaluateAll((items) => items.map((li) => li.getAttribute('data-connection')));
  expect(connections.length).toBeGreaterThan(0);
  const order = ['same-trench', 'crossing', 'service-entry', 'nearby'];
  expect(connections.map((c) => order.indexOf(c!))).toEqual([...connections.map((c) => order.indexOf(c!))].sort((a, b) => a - b));
  await expectCanvasRendered(page, 0.2);

  // The one-page report: the map as it is now, the rings, the log; printed alone.
  await page.getByTestId('incident-report-button').click();
  const report = page.getByTestId('incident-report');
  await expect(report).toBeVisible();
  const map = await page.getByTestId('report-map').getAttribute('src');
  expect(map).toMatch(/^data:image\/png;base64,/);
  expect(imageVariety(Buffer.from(map!.split(',')[1]!, 'base64')).distinctColours).toBeGreaterThan(50);
  await expect(page.getByTestId('report-rings').locator('li')).toHaveCount(radii.length);
  await expect(page.getByTestId('report-rings').locator('li').first()).toContainText(`${expected[0]!.buildings.length} 栋`);
  await expect(page.getByTestId('report-log')).toContainText('报警');
  await page.emulateMedia({ media: 'print' });
  await expect(report).toBeVisible();
  await expect(page.getByTestId('incident-panel')).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  await report.getByRole('button', { name: '关闭' }).click();
  await expect(report).toHaveCount(0);

  // Export the view as a PNG file.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-png').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^cim-twin-\d{8}-\d{6}\.png$/);
  const { readFile } = await import('node:fs/promises');
  expect(imageVariety(await readFile((await file.path())!)).distinctColours).toBeGreaterThan(50);
});

/** A water main of the demo network whose break needs at least two valves, and whose first valve failing changes the set. */
function waterBreak() {
  const network = generateNetwork(generateDistrict());
  for (const segment of network.segments) {
    if (segment.type !== 'water' || segment.shape.kind !== 'circular' || segment.shape.diameterMillimetres < 200) continue;
    const first = isolateBreak(network, segment.id);
    if (first.valvesToClose.length < 2 || first.buildingsOutOfSupply.length === 0) continue;
    const failed = first.valvesToClose[0]!;
    const second = isolateBreak(network, segment.id, { inoperableValveIds: [failed] });
    if (second.valvesToClose.join() === first.valvesToClose.join()) continue;
    const [a, b] = [segment.path[0]!, segment.path.at(-1)!];
    return { segment, first, failed, second, lon: (a[0] + b[0]) / 2, lat: (a[1] + b[1]) / 2 };
  }
  throw new Error('no suitable water main in the demo network');
}

test('valve isolation on a water main break: the valves are listed and marked, and a failed valve gives the next set', async ({ page }) => {
  const target = waterBreak();
  await page.goto(`/?underground=1&select=${target.segment.id}&view=${target.lon},${target.lat},260,0,-89`);
  await waitForReady(page);
  await page.getByTestId('isolation-button').click();
  const valves = page.getByTestId('isolation-valves').locator('li');
  await expect(valves).toHaveCount(target.first.valvesToClose.length);
  expect(await valves.evaluateAll((items) => items.map((li) => li.getAttribute('data-valve')))).toEqual(target.first.valvesToClose);
  await expect(page.getByTestId('isolation-supply')).toHaveAttribute('data-buildings', String(target.first.buildingsOutOfSupply.length));
  // Marked in 3D: a marker on each valve, the lines of what loses supply.
  const drawn = () => page.evaluate(() => window.__cimTwin!.engine()!.analysisMarks());
  await expect.poll(drawn).toEqual({ points: target.first.valvesToClose.length + target.first.sourcesToShut.length, segments: target.first.segmentsOutOfSupply.length });

  await page.locator(`[data-valve="${target.failed}"]`).getByTestId('valve-inoperable').check();
  await expect(page.getByTestId('isolation-count')).toHaveAttribute('data-count', String(target.second.valvesToClose.length));
  const next = await valves.evaluateAll((items) => items.filter((li) => !li.dataset.failed).map((li) => li.getAttribute('data-valve')));
  expect(next).toEqual(target.second.valvesToClose);
  await expect(page.locator(`[data-valve="${target.failed}"]`)).toHaveAttribute('data-failed', 'true');

  // Tracing from the same main: its whole connected network, drawn.
  await page.getByTestId('trace-connected').click();
  const traced = traceNetwork(generateNetwork(generateDistrict()), target.segment.id, 'connected');
  await expect(page.getByTestId('trace-count')).toHaveAttribute('data-count', String(traced.segments.length));
  await expect.poll(drawn).toMatchObject({ segments: traced.segments.length });
});
