import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';
import { cityGmlFixture, ORIGIN } from '../src/tiling/testing/citymodel-fixtures.ts';
import { openCityGml } from '../src/tiling/citymodel/citygml-reader.ts';
import { tileCityModel } from '../src/tiling/citymodel/citymodel-pipeline.ts';
import { toLonLat } from '../src/tiling/crs.ts';

const TILES = join(import.meta.dirname, '..', 'tiles', '_e2e', 'citymodel');
const rd = toLonLat('EPSG:28992');

test.beforeAll(async () => {
  // The CityGML test house (gabled roof, walls, ground; RD New + NAP near Delft), tiled as a city model.
  await mkdir(join(TILES, '..'), { recursive: true });
  const input = join(TILES, '..', 'citymodel.gml');
  await writeFile(input, cityGmlFixture());
  await tileCityModel(await openCityGml(input), { sourceName: input, outputDirectory: TILES });
});

/** Where a point of the house (metres from its corner, NAP height) is on the canvas, after a fresh frame. */
async function screenPoint(page: import('@playwright/test').Page, x: number, y: number, z: number) {
  const [lon, lat] = rd(ORIGIN.x + x, ORIGIN.y + y);
  return page.evaluate(([lonDegrees, latDegrees, height]) => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.screenPositionOf(lonDegrees!, latDegrees!, height!);
  }, [lon, lat, z]);
}

test('a CityGML city model: roofs and walls drawn apart, and a picked surface says what it is (屋顶 / 墙面)', async ({ page }) => {
  // From 40 m south of the house, 25 m up, looking north and down at its south roof and wall.
  const [lon, lat] = rd(ORIGIN.x + 5, ORIGIN.y - 40);
  await page.goto(`/?layers=none&tileset=${encodeURIComponent('/tiles/_e2e/citymodel/tileset.json')}&view=${lon},${lat},25,0,-25`);
  await waitForReady(page);
  await expect(page.locator('[data-layer="url-0"]')).toHaveAttribute('data-status', 'ready');
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0);
  await expectCanvasRendered(page, 0.02);
  const roof = (await screenPoint(page, 7.5, 2.5, 7.5))!;
  const wall = (await screenPoint(page, 7.5, 0, 4.5))!;
  expect(roof, 'the south roof is in view').toBeDefined();
  expect(wall, 'the south wall is in view').toBeDefined();

  // Roofs are tinted terracotta, walls stay light: the roof pixel is redder than the wall pixel.
  const shot = PNG.sync.read(await page.locator('.cesium-widget canvas').screenshot());
  const pixel = ({ x, y }: { x: number; y: number }) => {
    const i = (Math.round(y) * shot.width + Math.round(x)) * 4;
    return [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!] as const;
  };
  const [rr, , rb] = pixel(roof);
  const [wr, , wb] = pixel(wall);
  expect(rr / Math.max(rb, 1), `roof ${pixel(roof)} redder than wall ${pixel(wall)}`).toBeGreaterThan((wr / Math.max(wb, 1)) * 1.3);

  const canvas = page.locator('.cesium-widget canvas');
  await canvas.click({ position: roof });
  await expect(page.getByTestId('info-id')).toHaveText('house-1');
  await expect(page.getByTestId('info-title')).toHaveText('山墙屋');
  await expect(page.locator('[data-property="surfaceType"] .raw')).toHaveText('RoofSurface');
  await expect(page.locator('[data-property="surfaceType"] .translation')).toHaveText('屋顶');
  await expect(page.locator('[data-property="cityObjectType"] .raw')).toHaveText('Building');

  await canvas.click({ position: wall });
  await expect(page.locator('[data-property="surfaceType"] .raw')).toHaveText('WallSurface');
  await expect(page.locator('[data-property="surfaceType"] .translation')).toHaveText('墙面');
  await expect(page.getByTestId('info-id')).toHaveText('house-1');
});
