import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';
import { THIRD_PARTY_SITES } from './third-party-tilesets.ts';

const DESCRIPTIONS = {
  b3dm: '3D Tiles 1.0 b3dm with a batch table',
  implicit: '3D Tiles 1.1 implicit quadtree tiling',
  draco: 'Draco-compressed glTF with EXT_structural_metadata',
} as const;

for (const site of THIRD_PARTY_SITES) {
  test(`a third-party tileset loads from ?tileset= and its features are pickable: ${DESCRIPTIONS[site.kind]}`, async ({ page }) => {
    const view = `${site.lonDegrees},${site.latDegrees},${site.centralHeightMetres + 200},0,-90`;
    await page.goto(`/?tileset=${encodeURIComponent(`/tiles/_e2e/${site.kind}/tileset.json`)}&view=${view}`);
    await waitForReady(page);
    await expect(page.locator('[data-layer="url-0"]')).toHaveAttribute('data-status', 'ready');
    await expect(page.getByTestId('layer-error')).toHaveCount(0);
    // A few boxes on open ground: less variety than a city, but never one flat colour.
    await expectCanvasRendered(page, 0.05);
    const canvas = page.locator('.cesium-widget canvas');
    const box = (await canvas.boundingBox())!;
    await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
    await expect(page.getByTestId('info-title')).toHaveText(site.centralName);
    await expect(page.locator('[data-property="height"] td')).toHaveText(String(site.centralHeightMetres));
  });
}

test('a tileset added by ?tileset= with no view opens framed: the camera goes to it, not to the demo district, and its tiles load', async ({ page }) => {
  const site = THIRD_PARTY_SITES.find((s) => s.kind === 'b3dm')!;
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`/?tileset=${encodeURIComponent(`/tiles/_e2e/${site.kind}/tileset.json`)}`);
  await waitForReady(page);
  await expect(page.locator('[data-layer="url-0"]')).toHaveAttribute('data-status', 'ready');
  // The camera looks at the added tileset from close by (the demo district is 3 km west).
  const view = (await page.evaluate(() => window.__cimTwin!.engine()!.currentView()))!;
  const metres = Math.hypot((view.lonDegrees - site.lonDegrees) * 102_500, (view.latDegrees - site.latDegrees) * 110_700);
  expect(metres, 'horizontal distance of the camera from the added tileset').toBeLessThan(1000);
  expect(view.heightMetres).toBeLessThan(1000);
  expect(requested.some((url) => url.endsWith(`/tiles/_e2e/${site.kind}/buildings.b3dm`)), 'the added tileset’s content was requested').toBe(true);
  expect(new URL(page.url()).searchParams.get('view')).toMatch(/^113\.1[45]/);
  await expectCanvasRendered(page, 0.05);
});
