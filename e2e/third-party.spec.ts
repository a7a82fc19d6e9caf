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
