/**
 * Measuring (量测) and the swipe compare (卷帘), against the demo generator's own numbers: a
 * building's height (高差 from the ground beside it to its roof) and a street's width (水平距离
 * across it), read from tiles/demo/source (the generator's output); a measuring click selects
 * nothing; the swipe compare shows two dates, one each side of its line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { fromLonLat, toLonLat } from '../src/tiling/crs.ts';
import { expect, test, waitForReady } from './fixtures.ts';

/** The demo's projected CRS (CGCS2000 3° Gauss–Krüger, Foshan): the generator lays streets out in its metres. */
const DEMO_CRS = 'EPSG:4547';
const toLocal = fromLonLat(DEMO_CRS);
const toWgs84 = toLonLat(DEMO_CRS);

type Ring = [number, number][];
interface SourceBuilding {
  properties: { id: string; height: number };
  geometry: { coordinates: Ring[] };
}
interface SourceStreet {
  properties: { kind: string; name: string; streetClass: string; widthMetres: number };
  geometry: { coordinates: [number, number][] };
}

const source = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'tiles', 'demo', 'source', name), 'utf8')) as { features: unknown[] };

function inside([x, y]: [number, number], ring: Ring): boolean {
  let odd = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

/** A point `metres` along (dx, dy) from a lon/lat, in the generator's plane. */
function offset([lon, lat]: [number, number], dx: number, dy: number): [number, number] {
  const [x, y] = toLocal(lon, lat);
  return toWgs84(x + dx, y + dy) as [number, number];
}

/**
 * A one-part rectangular building 30–80 m tall, and a ground point 8 m outside the middle of
 * one of its sides that lies in no building (3 m clear in every direction).
 */
function buildingWithGroundBeside(): { id: string; height: number; roof: [number, number]; ground: [number, number]; corners: [number, number][] } {
  const buildings = (source('buildings.geojson').features as SourceBuilding[]);
  const parts = new Map<string, number>();
  for (const b of buildings) parts.set(b.properties.id, (parts.get(b.properties.id) ?? 0) + 1);
  const free = (p: [number, number]) => [[0, 0], [3, 0], [-3, 0], [0, 3], [0, -3]].every(([dx, dy]) => !buildings.some((b) => inside(offset(p, dx!, dy!), b.geometry.coordinates[0]!)));
  for (const b of buildings) {
    const ring = b.geometry.coordinates[0]!;
    if (parts.get(b.properties.id) !== 1 || ring.length !== 5 || b.geometry.coordinates.length !== 1 || b.properties.height < 30 || b.properties.height > 80) continue;
    const corners = ring.slice(0, 4).map(([lon, lat]) => toLocal(lon, lat));
    const cx = corners.reduce((s, c) => s + c[0]!, 0) / 4;
    const cy = corners.reduce((s, c) => s + c[1]!, 0) / 4;
    for (let i = 0; i < 4; i++) {
      const [ax, ay] = corners[i]!;
      const [bx, by] = corners[(i + 1) % 4]!;
      const [mx, my] = [(ax! + bx!) / 2, (ay! + by!) / 2];
      const length = Math.hypot(mx - cx, my - cy);
      const ground = toWgs84(mx + ((mx - cx) / length) * 8, my + ((my - cy) / length) * 8) as [number, number];
      if (free(ground)) return { id: b.properties.id, height: b.properties.height, roof: toWgs84(cx, cy) as [number, number], ground, corners: corners as [number, number][] };
    }
  }
  throw new Error('no building with free ground beside it in the demo source');
}

/** Where a place is on the canvas after a fresh frame; fails the test when it is off screen. */
async function screenOf(page: Page, [lon, lat]: [number, number], height: number): Promise<{ x: number; y: number }> {
  const position = await page.evaluate(
    ([lon, lat, height]) => {
      const engine = window.__cimTwin!.engine()!;
      engine.viewer.scene.requestRender();
      engine.viewer.render();
      return engine.screenPositionOf(lon!, lat!, height!);
    },
    [lon, lat, height],
  );
  expect(position, `${lon}, ${lat} at ${height} m is on screen`).toBeDefined();
  return position!;
}

const measurements = (page: Page) => page.evaluate(() => window.__cimTwin!.store.getState().measurements);

test("高差 from the ground beside a building to its roof is the building's height, 面积 of its roof; measuring and case-pick clicks select nothing", async ({ page }) => {
  const building = buildingWithGroundBeside();
  await page.goto(`/?view=${building.roof[0]},${building.roof[1]},${building.height + 220},0,-90`);
  await waitForReady(page);
  await page.getByTestId('measure-height').click();
  await expect(page.getByTestId('measure-hint')).toBeVisible();

  const ground = await screenOf(page, building.ground, 0);
  const roof = await screenOf(page, building.roof, building.height);
  // The snap indicator says what the pointer is over.
  await page.mouse.move(roof.x, roof.y);
  await page.waitForFunction(() => window.__cimTwin!.engine()!.measure.marks().snap === 'building');
  await page.mouse.move(ground.x, ground.y);
  await page.waitForFunction(() => window.__cimTwin!.engine()!.measure.marks().snap === 'ground');

  await page.mouse.click(ground.x, ground.y);
  await expect(page.getByTestId('measure-hint')).toContainText('已选 1 点');
  await page.mouse.click(roof.x, roof.y);
  await expect(page.getByTestId('measurement')).toHaveCount(1);
  const [measured] = await measurements(page);
  console.log(`高差 ${building.id}: measured ${measured!.metres} m, generator ${building.height} m`);
  expect(measured!.kind).toBe('height');
  expect(measured!.snaps).toEqual(['ground', 'building']);
  // Tolerance 0.25 m: the roof comes from the depth buffer (24-bit, logarithmic, on SwiftShader)
  // 220 m away, and the tiles' positions are quantized (meshopt, KHR_mesh_quantization) over
  // their tile's box; both are centimetres to a decimetre. The ground is the ellipsoid (exact).
  expect(Math.abs(measured!.metres! - building.height), `measured ${measured!.metres} m, the generator says ${building.height} m`).toBeLessThan(0.25);
  await expect(page.getByTestId('measurement')).toContainText('m');

  // The clicks on the roof selected nothing and opened no panel.
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().selection)).toBeUndefined();
  await expect(page.getByTestId('info-panel')).toHaveCount(0);

  // Esc closes the tool; a click on the roof then selects the building, as usual.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('measure-hint')).toHaveCount(0);
  await page.mouse.click(roof.x, roof.y);
  await expect(page.getByTestId('info-id')).toHaveText(building.id);

  // 面积 of the roof: its corners, 1.5 m in from the edges (a depth pick on the very edge may
  // fall past it), against the same inset rectangle's area in the generator's plane.
  await page.evaluate(() => window.__cimTwin!.store.getState().select(undefined));
  await page.getByTestId('measure-area').click();
  const [cx, cy] = [building.corners.reduce((s, c) => s + c[0], 0) / 4, building.corners.reduce((s, c) => s + c[1], 0) / 4];
  const inset = building.corners.map(([x, y]) => {
    const d = Math.hypot(x - cx, y - cy);
    return [x + ((cx - x) / d) * 1.5 * Math.SQRT2, y + ((cy - y) / d) * 1.5 * Math.SQRT2] as [number, number];
  });
  let expectedArea = 0;
  for (let i = 0; i < 4; i++) expectedArea += (inset[i]![0] * inset[(i + 1) % 4]![1] - inset[(i + 1) % 4]![0] * inset[i]![1]) / 2;
  expectedArea = Math.abs(expectedArea);
  const cornersOnScreen = [];
  for (const [x, y] of inset) cornersOnScreen.push(await screenOf(page, toWgs84(x, y) as [number, number], building.height));
  for (const corner of cornersOnScreen) await page.mouse.click(corner.x, corner.y);
  await expect(page.getByTestId('measure-hint')).toContainText('已选 4 点');
  await page.getByTestId('measure-finish').click();
  await expect(page.getByTestId('measurement')).toHaveCount(2);
  const area = (await measurements(page))[1]!;
  console.log(`面积 ${building.id}: measured ${area.area!.horizontal} m² (surface ${area.area!.surface}), expected ${expectedArea} m²`);
  expect(area.snaps).toEqual(['building', 'building', 'building', 'building']);
  // Tolerance: each corner within about a pixel's ground size (the roof is flat, seen from above),
  // so the area within the perimeter × that size.
  let perimeter = 0;
  for (let i = 0; i < 4; i++) perimeter += Math.hypot(inset[i]![0] - inset[(i + 1) % 4]![0], inset[i]![1] - inset[(i + 1) % 4]![1]);
  const metresPerPixel = Math.hypot(inset[1]![0] - inset[0]![0], inset[1]![1] - inset[0]![1]) / Math.hypot(cornersOnScreen[1]!.x - cornersOnScreen[0]!.x, cornersOnScreen[1]!.y - cornersOnScreen[0]!.y);
  expect(Math.abs(area.area!.horizontal - expectedArea)).toBeLessThan(perimeter * metresPerPixel);
  // A flat roof: its surface area is its horizontal area.
  expect(Math.abs(area.area!.surface - area.area!.horizontal)).toBeLessThan(0.01 * expectedArea);
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().selection)).toBeUndefined();

  // Picking a new case's place (the case form's 在地图上选点) is a pointer mode too: the click gives the point, nothing is selected.
  await page.getByTestId('measure-area').click();
  await page.evaluate(() => window.__cimTwin!.store.getState().setCasePicking(true));
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().measureTool), 'a case pick closes the measuring tool').toBeUndefined();
  await page.mouse.click(roof.x, roof.y);
  await page.waitForFunction(() => window.__cimTwin!.store.getState().casePickedPoint !== undefined);
  const picked = await page.evaluate(() => window.__cimTwin!.store.getState().casePickedPoint!);
  expect(Math.abs(picked[0] - building.roof[0]) + Math.abs(picked[1] - building.roof[1])).toBeLessThan(0.001);
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().selection)).toBeUndefined();

  // 清除 removes the measurements and their labels.
  await page.getByTestId('measure-clear').click();
  await expect(page.getByTestId('measurement')).toHaveCount(0);
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.measure.marks().measurements)).toBe(0);
});

test('水平距离 across a street is its width in the generator', async ({ page }) => {
  const streets = (source('ground.geojson').features as SourceStreet[]).filter((f) => f.properties.kind === 'street');
  const street = streets.find((s) => s.properties.streetClass === 'arterial')!;
  const [a, b] = street.geometry.coordinates.map(([lon, lat]) => toLocal(lon, lat)) as [[number, number], [number, number]];
  // The middle of the street (between two cross streets), and the edges across it, in the generator's plane.
  const [mx, my] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const [nx, ny] = [-(b[1] - a[1]) / length, (b[0] - a[0]) / length];
  const half = street.properties.widthMetres / 2;
  const centre = toWgs84(mx, my) as [number, number];
  const edges = [toWgs84(mx - nx * half, my - ny * half), toWgs84(mx + nx * half, my + ny * half)] as [number, number][];

  await page.goto(`/?view=${centre[0]},${centre[1]},200,0,-90`);
  await waitForReady(page);
  await page.getByTestId('measure-horizontal').click();
  const [p, q] = [await screenOf(page, edges[0]!, 0), await screenOf(page, edges[1]!, 0)];
  await page.mouse.click(p.x, p.y);
  await page.mouse.click(q.x, q.y);
  await expect(page.getByTestId('measurement')).toHaveCount(1);
  const [measured] = await measurements(page);
  console.log(`水平距离 ${street.properties.name}: measured ${measured!.metres} m, generator ${street.properties.widthMetres} m`);
  expect(measured!.kind).toBe('horizontal');
  expect(measured!.snaps).toEqual(['ground', 'ground']);
  // Tolerance: a pixel's ground size at each end (the clicks land on whole or fractional CSS
  // pixels; the ground pick itself is a ray–ellipsoid intersection, exact to millimetres), plus
  // 1 cm for the Gauss–Krüger scale factor of the generator's plane (1.0001 here).
  const metresPerPixel = street.properties.widthMetres / Math.hypot(q.x - p.x, q.y - p.y);
  expect(Math.abs(measured!.metres! - street.properties.widthMetres), `measured ${measured!.metres} m across ${street.properties.name}, ${street.properties.widthMetres} m wide`).toBeLessThan(2 * metresPerPixel + 0.01);
});

/** The share of sampled pixels in a box that changed by more than a little between two images. */
function changedShare(before: PNG, after: PNG, box: { x0: number; x1: number; y0: number; y1: number }): number {
  let changed = 0;
  let samples = 0;
  for (let y = Math.floor(box.y0 * before.height); y < box.y1 * before.height; y += 3) {
    for (let x = Math.floor(box.x0 * before.width); x < box.x1 * before.width; x += 3) {
      const i = (y * before.width + x) * 4;
      const difference = Math.abs(before.data[i]! - after.data[i]!) + Math.abs(before.data[i + 1]! - after.data[i + 1]!) + Math.abs(before.data[i + 2]! - after.data[i + 2]!);
      if (difference > 24) changed++;
      samples++;
    }
  }
  return changed / samples;
}

const snapshot = async (page: Page) => PNG.sync.read(Buffer.from((await page.evaluate(() => window.__cimTwin!.engine()!.snapshot())).split(',')[1]!, 'base64'));

test('卷帘 shows the city as tiled on the left and as of an earlier date on the right', async ({ page }) => {
  await page.goto('/');
  await waitForReady(page);
  const before = await snapshot(page);

  await page.getByTestId('swipe-mode').selectOption('dates');
  await page.getByTestId('swipe-date').fill('1990-12-31');
  const split = page.getByTestId('swipe-split');
  await expect(split).toBeVisible();
  await expect(page.getByTestId('swipe-right-label')).toContainText('1990-12-31');
  await expect(split).toHaveAttribute('data-status', 'ready');
  await page.waitForFunction(() => {
    const state = window.__cimTwin!.store.getState();
    return state.lifecycleDates !== undefined && state.lifecycleDates.size > 0;
  });
  const after = await snapshot(page);
  // Left of the line: the same picture; right of it: the buildings built after 1990 are gone.
  // (Boxes keep clear of the line itself.)
  const left = changedShare(before, after, { x0: 0.05, x1: 0.45, y0: 0.15, y1: 0.9 });
  const right = changedShare(before, after, { x0: 0.55, x1: 0.95, y0: 0.15, y1: 0.9 });
  console.log(`swipe: changed share left ${left}, right ${right}`);
  expect(left, 'left of the line unchanged').toBeLessThan(0.01);
  expect(right, 'right of the line shows the earlier date').toBeGreaterThan(0.05);

  // Dragging the line moves the split.
  const box = (await split.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 256, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const position = await page.evaluate(() => ({ store: window.__cimTwin!.store.getState().swipePosition, scene: window.__cimTwin!.engine()!.viewer.scene.splitPosition }));
  expect(position.store).toBeCloseTo(0.3, 1);
  expect(position.scene).toBe(position.store);

  // Buildings beside pipes: the underground view, buildings (LoD1 and the LoD2 patch) left, pipes right, no second tileset.
  await page.getByTestId('swipe-mode').selectOption('layers');
  await expect(split).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('swipe-left-label')).toContainText('建筑');
  const sides = await page.evaluate(() => ({ sides: window.__cimTwin!.engine()!.swipe.sides(), underground: window.__cimTwin!.store.getState().underground }));
  expect(sides).toEqual({ sides: { 'demo-buildings': 'left', 'demo-buildings-lod2': 'left', 'demo-pipelines': 'right' }, underground: true });

  // Off: one picture again.
  await page.getByTestId('swipe-mode').selectOption('');
  await expect(split).toHaveCount(0);
});
