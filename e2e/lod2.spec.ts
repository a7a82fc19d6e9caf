import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from '@playwright/test';
import { expect, test, waitForReady } from './fixtures.ts';
import { generateDistrict, localToLonLat } from '../src/demo/district.ts';
import { lod2Building, lod2PatchBuildings, type Surface } from '../src/demo/lod2.ts';

/**
 * The demo's LoD2 patch (issue 18 §3, §4): old-town roofs near, LoD1 blocks far, one building
 * drawn once, picked and selected by the same ID at both levels.
 */
const LAYER = 'demo-buildings-lod2';
const toLonLat = localToLonLat();

// A gabled house of the patch's southern row with its ridge running east–west, so that from the
// south the camera sees its south roof slope above its south wall, with nothing in front.
const patch = lod2PatchBuildings(generateDistrict()).map((b) => ({ building: b, model: lod2Building(b) }));
const southFacing = (s: Surface) => {
  const ring = s.rings[0]!;
  let ny = 0;
  ring.forEach((a, i) => {
    const b = ring[(i + 1) % ring.length]!;
    ny += (a[2] - b[2]) * (a[0] + b[0]);
  });
  return ny < -1;
};
const centroid = (s: Surface) => {
  const ring = s.rings[0]!;
  return [0, 1, 2].map((k) => ring.reduce((t, p) => t + p[k]!, 0) / ring.length) as [number, number, number];
};
const candidates = patch.filter(({ model }) => model.roof === 'gabled' && model.lod2.some((s) => s.type === 'RoofSurface' && southFacing(s)));
const minimumY = Math.min(...candidates.map(({ building }) => building.parts[0]!.rings[0]![0]![1]));
const { building: house, model } = candidates.find(({ building }) => building.parts[0]!.rings[0]![0]![1] < minimumY + 3)!;
const HOUSE_ID = house.properties.id;
const roofCentre = centroid(model.lod2.find((s) => s.type === 'RoofSurface' && southFacing(s))!);
const wallCentre = centroid(model.lod2.find((s) => s.type === 'WallSurface' && southFacing(s))!);
const [houseLon, houseLat] = toLonLat([roofCentre[0], roofCentre[1]]);

function viewFromSouth(distanceMetres: number, heightMetres: number, pitchDegrees: number): string {
  const [lon, lat] = toLonLat([roofCentre[0], roofCentre[1] - distanceMetres]);
  return `${lon},${lat},${heightMetres},0,${pitchDegrees}`;
}

/** Where a local point (metres) is on the canvas, after a fresh frame. */
async function screenPoint(page: Page, [x, y, z]: [number, number, number]) {
  const [lon, lat] = toLonLat([x, y]);
  return page.evaluate(([lonDegrees, latDegrees, height]) => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.screenPositionOf(lonDegrees!, latDegrees!, height!);
  }, [lon, lat, z]);
}

/** Which layers draw the house, at which level, in a fresh frame. */
function drawnLevels(page: Page, id: string): Promise<Record<string, string[]>> {
  return page.evaluate((houseId) => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.drawnLevelsOf(houseId);
  }, id);
}

async function settle(page: Page) {
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0);
}

/** Pixels of the canvas that read as roof (terracotta) and as wall (light, neutral). */
async function roofAndWallPixels(page: Page): Promise<{ roof: number; wall: number; total: number }> {
  const shot = PNG.sync.read(await page.locator('.cesium-widget canvas').screenshot());
  let roof = 0;
  let wall = 0;
  for (let i = 0; i < shot.data.length; i += 4) {
    const r = shot.data[i]!;
    const g = shot.data[i + 1]!;
    const b = shot.data[i + 2]!;
    if (r > 60 && r > 1.3 * b && r > 1.12 * g) roof++;
    else if (r > 150 && Math.max(r, g, b) - Math.min(r, g, b) < 0.08 * r) wall++;
  }
  return { roof, wall, total: shot.width * shot.height };
}

test('LoD2 patch near: roofs and walls coloured apart, one building drawn once at LoD2, picked with its ID and surface (屋顶 / 墙面)', async ({ page }) => {
  await page.goto(`/?view=${viewFromSouth(110, 45, -24)}`);
  await waitForReady(page);
  await expect(page.locator(`[data-layer="${LAYER}"]`)).toHaveAttribute('data-status', 'ready');
  await settle(page);

  // Near: the house is drawn by the LoD2 tiles only (its LoD1 block hidden in both layers).
  await expect.poll(() => drawnLevels(page, HOUSE_ID)).toEqual({ [LAYER]: ['2'] });

  // Roofs terracotta and walls light: many pixels of each, far more roof than with the LoD2 layer off.
  await writeFile(join(import.meta.dirname, 'screenshots', 'lod2-patch.png'), await page.locator('.cesium-widget canvas').screenshot());
  const withRoofs = await roofAndWallPixels(page);
  expect(withRoofs.roof / withRoofs.total, `roof pixels ${JSON.stringify(withRoofs)}`).toBeGreaterThan(0.02);
  expect(withRoofs.wall / withRoofs.total, `wall pixels ${JSON.stringify(withRoofs)}`).toBeGreaterThan(0.02);
  const roof = (await screenPoint(page, roofCentre))!;
  const wall = (await screenPoint(page, [wallCentre[0], wallCentre[1], wallCentre[2] * 0.6]))!;
  const shot = PNG.sync.read(await page.locator('.cesium-widget canvas').screenshot());
  const pixel = ({ x, y }: { x: number; y: number }) => {
    const i = (Math.round(y) * shot.width + Math.round(x)) * 4;
    return [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!] as const;
  };
  const [rr, , rb] = pixel(roof);
  const [wr, , wb] = pixel(wall);
  expect(rr / Math.max(rb, 1), `roof ${pixel(roof)} redder than wall ${pixel(wall)}`).toBeGreaterThan((wr / Math.max(wb, 1)) * 1.3);

  // With the LoD2 layer off, the LoD1 layer draws the house again, and the roofs' colour is gone.
  await page.evaluate((layer) => window.__cimTwin!.store.getState().setLayerVisible(layer, false), LAYER);
  await settle(page);
  await expect.poll(() => drawnLevels(page, HOUSE_ID)).toEqual({ 'demo-buildings': [''] });
  const blocks = await roofAndWallPixels(page);
  expect(withRoofs.roof - blocks.roof, `roof pixels with LoD2 ${withRoofs.roof}, LoD1 only ${blocks.roof}`).toBeGreaterThan(0.015 * withRoofs.total);
  await page.evaluate((layer) => window.__cimTwin!.store.getState().setLayerVisible(layer, true), LAYER);
  await settle(page);
  await expect.poll(() => drawnLevels(page, HOUSE_ID)).toEqual({ [LAYER]: ['2'] });

  // Picking the LoD2 roof and wall: the building's ID and name, and which surface.
  const canvas = page.locator('.cesium-widget canvas');
  await canvas.click({ position: (await screenPoint(page, roofCentre))! });
  await expect(page.getByTestId('info-id')).toHaveText(HOUSE_ID);
  await expect(page.getByTestId('info-title')).toHaveText(house.properties.name);
  await expect(page.locator('[data-property="surfaceType"] .raw')).toHaveText('RoofSurface');
  await expect(page.locator('[data-property="surfaceType"] .translation')).toHaveText('屋顶');
  await expect(page.locator('[data-property="lod"] .raw')).toHaveText('2');
  await canvas.click({ position: (await screenPoint(page, [wallCentre[0], wallCentre[1], wallCentre[2] * 0.6]))! });
  await expect(page.locator('[data-property="surfaceType"] .raw')).toHaveText('WallSurface');
  await expect(page.locator('[data-property="surfaceType"] .translation')).toHaveText('墙面');
  await expect(page.getByTestId('info-id')).toHaveText(HOUSE_ID);
});

test('LoD2 patch far: only the LoD1 block is drawn for its buildings, and selection by ID highlights it', async ({ page }) => {
  // 2.5 km south, high: the patch is a few pixels, its LoD1 blocks drawn, no roofs.
  await page.goto(`/?select=${HOUSE_ID}&view=${viewFromSouth(2500, 1200, -25)}`);
  await waitForReady(page);
  await expect(page.locator(`[data-layer="${LAYER}"]`)).toHaveAttribute('data-status', 'ready');
  await settle(page);
  await expect(page.getByTestId('info-id')).toHaveText(HOUSE_ID);
  await expect.poll(() => drawnLevels(page, HOUSE_ID)).toEqual({ [LAYER]: ['1'] });
  // Every building of the patch: drawn once at most, never at LoD2 from here.
  const drawn = await page.evaluate((ids) => {
    const engine = window.__cimTwin!.engine()!;
    return ids.map((id) => Object.values(engine.drawnLevelsOf(id)).flat());
  }, patch.map(({ building }) => building.properties.id));
  expect(drawn.filter((levels) => levels.length > 1), 'doubled buildings').toEqual([]);
  expect(drawn.flat().filter((level) => level !== '1'), 'levels drawn').toEqual([]);
  expect(drawn.filter((levels) => levels.length === 1).length).toBe(patch.length);
  // The selection colours the LoD1 block the LoD2 layer draws from here.
  const appearance = await page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id), HOUSE_ID);
  expect(appearance).toMatchObject({ shown: true, colour: '#ffc61a' });

  // Flying in, the same building is drawn at LoD2, still selected.
  await page.evaluate(([lon, lat]) => window.__cimTwin!.engine()!.flyToPosition(lon!, lat!, 12), [houseLon, houseLat]);
  await settle(page);
  await expect.poll(() => drawnLevels(page, HOUSE_ID)).toEqual({ [LAYER]: ['2'] });
  await expect(page.getByTestId('info-id')).toHaveText(HOUSE_ID);
});
