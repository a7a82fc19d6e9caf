import type { Page } from '@playwright/test';
import { PIPELINE_TYPE_NAMES } from '../src/domain/pipelines.ts';
import { generateDistrict, localToLonLat } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { clearanceWithin } from '../src/server/network/analyses.ts';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';
import { PNG } from 'pngjs';

/** A mid-block point on a secondary north–south street of the demo district, in local metres. */
function secondaryStreetMidBlock() {
  const district = generateDistrict();
  const northSouth = district.streets.filter((s) => s.line[0][0] === s.line[1][0]);
  const eastWest = district.streets.filter((s) => s.line[0][1] === s.line[1][1]).map((s) => s.line[0][1]).sort((a, b) => a - b);
  const street = northSouth.find((s) => s.streetClass === 'secondary')!;
  const y = (eastWest[3]! + eastWest[4]!) / 2 + 7; // mid-block, off the asset stations
  return { x: street.line[0][0], y, widthMetres: street.widthMetres };
}

/** The analyses run on the server: the page must never fetch the network document. */
function networkDocumentRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (/\/network\.json(\?|$)/.test(new URL(request.url()).pathname)) seen.push(request.url());
  });
  return seen;
}

test('drawing a section across a street charts its pipes west to east at their depths', async ({ page }) => {
  const networkDocuments = networkDocumentRequests(page);
  const { x, y, widthMetres } = secondaryStreetMidBlock();
  const toLonLat = localToLonLat();
  const [lon, lat] = toLonLat([x, y]);
  await page.goto(`/?underground=1&layers=demo-pipelines,demo-buildings&view=${lon},${lat},90,0,-90`);
  await waitForReady(page);
  await expect(page.getByTestId('tool-section')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('tool-section').click();
  await expect(page.getByTestId('section-hint')).toHaveText('在地面上单击剖切线起点');
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  for (const dx of [-(widthMetres / 2 + 3), widthMetres / 2 + 3]) {
    const [plon, plat] = toLonLat([x + dx, y]);
    const screen = await page.evaluate(([a, b]) => window.__cimTwin!.engine()!.screenPositionOf(a!, b!, 0), [plon, plat]);
    expect(screen).toBeTruthy();
    await page.mouse.click(box.x + screen!.x, box.y + screen!.y);
  }
  await expect(page.getByTestId('section-chart')).toBeVisible();
  // The demo's cross-section of a 30 m street: 电力 −12, 给水 −8, 雨水 −4, 污水 +4, 燃气 +8, 通信 +12 m.
  const expected = (['power', 'water', 'drainage-storm', 'drainage-sewage', 'gas', 'telecom'] as const).map((t) => PIPELINE_TYPE_NAMES[t].zh);
  const rows = page.getByTestId('section-pipe');
  await expect(rows).toHaveCount(6);
  expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(expected);
  // Offsets along the line (it starts 18 m west of the centre line): the layout's positions.
  const offsets = (await rows.locator('td:nth-child(6)').allTextContents()).map(Number);
  [6, 10, 14, 22, 26, 30].forEach((o, i) => expect(Math.abs(offsets[i]! - o)).toBeLessThan(1.0));
  // Covers as laid: power 0.7 m, water 1.2 m, gas 1.0 m, telecom 0.8 m; drainage deeper than 2 m.
  const covers = (await rows.locator('td:nth-child(5)').allTextContents()).map(Number);
  expect(covers[0]).toBeCloseTo(0.7, 1);
  expect(covers[1]).toBeCloseTo(1.2, 1);
  expect(covers[2]).toBeGreaterThanOrEqual(2);
  expect(covers[4]).toBeCloseTo(1.0, 1);
  await expect(page.locator('[data-testid="section-chart"] svg .pipe')).toHaveCount(6);
  await expect(page.getByTestId('section-clearance')).toHaveCount(5);
  expect(networkDocuments, 'requests for network.json').toEqual([]);
});

test('the clearance check lists the violations the rules find and highlights them in 3D', async ({ page }) => {
  const networkDocuments = networkDocumentRequests(page);
  await page.goto('/?underground=1&view=113.12,23.0,700,0,-50');
  await waitForReady(page);
  await expect(page.getByTestId('tool-clearance')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('tool-clearance').click();
  // The server checks the 4 × 4 km around the centre of the view; the same check over the network the generator laid finds the same.
  const count = page.getByTestId('clearance-count');
  await expect(count).toHaveAttribute('data-bbox', /^[\d.,-]+$/);
  const bbox = (await count.getAttribute('data-bbox'))!.split(',').map(Number) as [number, number, number, number];
  const expected = clearanceWithin(generateNetwork(generateDistrict()).segments, bbox);
  expect(expected.length).toBeGreaterThan(0);
  await expect(count).toHaveAttribute('data-count', String(expected.length));
  await expect(count).toContainText(`发现 ${expected.length} 处净距不足`);
  await expect(page.getByTestId('clearance-finding').first()).toBeVisible();

  // Picking the worst finding flies there; the violations are drawn over everything in red.
  await page.evaluate(() => {
    const w = window as unknown as { __flown?: boolean };
    w.__flown = false;
    const viewer = window.__cimTwin!.engine()!.viewer;
    const remove = viewer.camera.moveEnd.addEventListener(() => {
      w.__flown = true;
      remove();
    });
  });
  await page.getByTestId('clearance-finding').first().click();
  await page.waitForFunction(() => (window as unknown as { __flown?: boolean }).__flown === true, null, { timeout: 60_000 });
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0, null, { timeout: 120_000, polling: 250 });
  const redPixels = async () => {
    await page.evaluate(() => {
      const viewer = window.__cimTwin!.engine()!.viewer;
      viewer.scene.requestRender();
      viewer.render();
    });
    const image = PNG.sync.read(await expectCanvasRendered(page, 0.05));
    let red = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! > 200 && image.data[i + 1]! < 90 && image.data[i + 2]! < 90) red++;
    return red;
  };
  const withHighlight = await redPixels();
  await page.evaluate(() => window.__cimTwin!.store.getState().openTool(undefined));
  const without = await redPixels();
  expect(withHighlight - without, 'red pixels the violation highlight adds').toBeGreaterThan(50);
  expect(networkDocuments, 'requests for network.json').toEqual([]);
});

test('without the analysis API (tiles on a static server) the analysis tools and the pipe panel say what they need, and pipes still pick', async ({ page }) => {
  await page.route('**/config.json', async (route) => {
    const config = (await (await route.fetch()).json()) as Record<string, unknown>;
    delete config.assets;
    await route.fulfill({ json: config });
  });
  const networkDocuments = networkDocumentRequests(page);
  const segment = generateNetwork(generateDistrict()).segments.find((s) => s.type === 'water' && s.shape.kind === 'circular' && s.shape.diameterMillimetres >= 300)!;
  const [a, b] = [segment.path[0]!, segment.path.at(-1)!];
  await page.goto(`/?underground=1&select=${segment.id}&view=${(a[0] + b[0]) / 2},${(a[1] + b[1]) / 2},260,0,-89`);
  await waitForReady(page);
  await expect(page.getByTestId('analysis-no-api')).toContainText('未配置分析服务');
  await expect(page.getByTestId('tool-clearance')).toBeDisabled();
  await expect(page.getByTestId('tool-section')).toBeDisabled();
  // The pipe's attributes still come from its tile; its connections and analyses need the server.
  await expect(page.getByTestId('info-id')).toHaveText(segment.id);
  await expect(page.getByTestId('pipe-network-status')).toHaveAttribute('data-state', 'no-api');
  await expect(page.getByTestId('isolation-button')).toHaveCount(0);
  await page.getByTestId('language-toggle').click();
  await expect(page.getByTestId('analysis-no-api')).toContainText('No analysis service configured');
  expect(networkDocuments, 'requests for network.json').toEqual([]);
});
