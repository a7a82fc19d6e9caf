/**
 * The demo's completion model (竣工模型, issue 18 §3–4): the Duplex IFC sample placed on one demo
 * building. Opened from that building's panel; a storey isolated; a wall picked with its class
 * and a property-set value from the BIM API; a horizontal section showing the inside, set by the
 * slider, then the section plane dragged in the scene by the mouse, horizontal and vertical (the
 * camera held still, the slider following); Esc back to the city view. Waits on the app's signals
 * (body[data-ready], body[data-bim], the style's feature state, the section's state), never on time.
 */
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';

interface ModelSummary {
  id: string;
  building?: string;
  source: string;
}

interface Element {
  globalId: string;
  ifcClass: string;
  storeyId: string;
}

/** Draw a fresh frame now and take the canvas as a PNG, the panels over it masked (the same in every shot). */
async function freshShot(page: Page): Promise<Buffer> {
  await page.evaluate(() => {
    const viewer = window.__cimTwin!.engine()!.viewer;
    viewer.scene.requestRender();
    viewer.render();
  });
  return page.locator('.cesium-widget canvas').screenshot({ mask: [page.locator('.shell > *')] });
}

/** Pixels (every second one each way) that differ between two shots, and how many of them are inside a box. */
function changedPixels(before: PNG, after: PNG, box: { left: number; top: number; right: number; bottom: number }): { changed: number; inside: number } {
  let changed = 0;
  let inside = 0;
  for (let y = 0; y < after.height; y += 2) {
    for (let x = 0; x < after.width; x += 2) {
      const i = (y * after.width + x) * 4;
      const difference = Math.abs(after.data[i]! - before.data[i]!) + Math.abs(after.data[i + 1]! - before.data[i + 1]!) + Math.abs(after.data[i + 2]! - before.data[i + 2]!);
      if (difference < 30) continue;
      changed++;
      if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) inside++;
    }
  }
  return { changed, inside };
}

const sectionState = (page: Page) => page.evaluate(() => window.__cimTwin!.engine()!.bim.sectionState());
const cameraInputs = (page: Page) => page.evaluate(() => window.__cimTwin!.engine()!.viewer.scene.screenSpaceCameraController.enableInputs);
const cameraPosition = (page: Page) =>
  page.evaluate(() => {
    const { x, y, z } = window.__cimTwin!.engine()!.viewer.camera.positionWC;
    return [x, y, z];
  });

/**
 * Drag the section plane as a user would: press on its rim where the engine says it is drawn,
 * move to where the grabbed point would be with the plane at `target`, release. The camera's
 * controls are off while the button is down, back after, and the camera does not move.
 */
async function dragSection(page: Page, target: number): Promise<void> {
  const handle = await page.evaluate((t) => window.__cimTwin!.engine()!.bim.sectionHandleOnScreen(t), target);
  expect(handle, "the section plane's rim is on screen, where a press grabs it").toBeDefined();
  const camera = await cameraPosition(page);
  await page.mouse.move(handle!.x, handle!.y);
  await page.mouse.down();
  expect((await sectionState(page)).dragging, 'a press on the rim grabs the plane').toBe(true);
  expect(await cameraInputs(page), "the camera's controls are off while dragging").toBe(false);
  await expect(page.locator('body')).toHaveAttribute('data-bim-section-drag', 'dragging');
  await page.mouse.move(handle!.to.x, handle!.to.y, { steps: 8 });
  await page.mouse.up();
  expect((await sectionState(page)).dragging).toBe(false);
  expect(await cameraInputs(page), "the camera's controls are back after the drag").toBe(true);
  const after = await cameraPosition(page);
  for (let i = 0; i < 3; i++) expect(after[i], 'the drag moved the plane, not the camera').toBeCloseTo(camera[i]!, 3);
}

const elementShown = (page: Page, globalId: string) => page.evaluate((id) => window.__cimTwin!.engine()!.bim.elementAppearance(id)?.shown, globalId);

test('the completion model: opened from its building, a storey isolated, a wall picked, a section, Esc back to the city', async ({ page }) => {
  const listed = (await (await page.request.get('/api/bim/models')).json()) as { models: ModelSummary[] };
  const model = listed.models.find((m) => m.id === 'duplex');
  expect(model, 'the demo places the Duplex sample (../shared/data/bim/Duplex_A_20110907.ifc)').toBeDefined();
  const building = model!.building!;
  expect(building).toMatch(/^440604-B-/);

  // The building's panel: its lifecycle's completion stage names the model, and the BIM entry opens it.
  await page.goto(`/?select=${building}`);
  await waitForReady(page);
  await expect(page.locator('[data-testid="lifecycle-stages"] [data-stage="completion-acceptance"]')).toContainText('竣工模型');
  await expect(page.locator('[data-testid="lifecycle-stages"] [data-stage="completion-acceptance"]')).toContainText(model!.source);
  const section = page.getByTestId('bim-section');
  await expect(section).toContainText('BIM 模型');
  await expect(section).toContainText('竣工模型');
  expect(await page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id)?.shown, building)).toBe(true);
  await page.getByTestId('bim-open').click();
  await page.waitForFunction(() => document.body.dataset.bim === 'ready', null, { timeout: 120_000 });
  // The LoD block gives way to the model.
  await expect.poll(() => page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id)?.shown, building)).toBe(false);
  await expectCanvasRendered(page, 0.05);

  const elements = await page.evaluate(() => window.__cimTwin!.engine()!.bim.loadedElements() as Element[]);
  expect(elements.length).toBeGreaterThan(200);
  // Spaces are hidden when the model opens.
  const space = elements.find((e) => e.ifcClass === 'IfcSpace')!;
  await expect.poll(() => elementShown(page, space.globalId)).toBe(false);

  // The storey tree: the IfcBuildingStorey of the model; isolate the one with the most walls.
  const storeys = page.getByTestId('bim-storeys').locator('li');
  await expect(storeys).toHaveCount(4);
  const wallsPerStorey = new Map<string, number>();
  for (const e of elements) if (e.ifcClass === 'IfcWallStandardCase') wallsPerStorey.set(e.storeyId, (wallsPerStorey.get(e.storeyId) ?? 0) + 1);
  const storey = [...wallsPerStorey].sort((a, b) => b[1] - a[1])[0]![0];
  const inStorey = elements.find((e) => e.storeyId === storey && e.ifcClass === 'IfcWallStandardCase')!;
  const elsewhere = elements.find((e) => e.storeyId !== storey && e.ifcClass !== 'IfcSpace')!;
  await page.locator(`[data-testid="bim-storeys"] li[data-storey="${storey}"] [data-testid="bim-storey-isolate"]`).click();
  await expect.poll(() => elementShown(page, elsewhere.globalId)).toBe(false);
  expect(await elementShown(page, inStorey.globalId)).toBe(true);
  // And the walls alone (per IFC class), so a click lands on one.
  await page.locator('[data-testid="bim-classes"] li[data-class="IfcWallStandardCase"] [data-testid="bim-class-isolate"]').click();
  const slab = elements.find((e) => e.storeyId === storey && e.ifcClass !== 'IfcWallStandardCase' && e.ifcClass !== 'IfcSpace')!;
  await expect.poll(() => elementShown(page, slab.globalId)).toBe(false);

  // Pick a wall as a user would: a click on the canvas where one is drawn.
  const wall = await page.evaluate(() => window.__cimTwin!.engine()!.bim.findOnScreen('IfcWallStandardCase'));
  expect(wall, 'a wall of the isolated storey is on screen').toBeDefined();
  await page.mouse.click(wall!.x, wall!.y);
  await expect(page.getByTestId('bim-element')).toHaveAttribute('data-global-id', wall!.globalId);
  await expect(page.getByTestId('bim-element-class')).toHaveText('IfcWallStandardCase');
  // Its property sets come from the BIM API, grouped by set: one value of it is on the panel.
  const stored = (await (await page.request.get(`/api/bim/models/duplex/elements/${wall!.globalId}`)).json()) as { propertySets: { name: string; properties: { name: string; value: unknown; unit?: string }[] }[] };
  const withUnit = stored.propertySets.flatMap((set) => set.properties.filter((p) => typeof p.value === 'number' && p.unit).map((p) => ({ set: set.name, ...p })));
  const property = withUnit[0] ?? stored.propertySets.flatMap((set) => set.properties.filter((p) => typeof p.value === 'string' && p.value !== '').map((p) => ({ set: set.name, ...p })))[0]!;
  expect(property, 'the wall has a property with a value').toBeDefined();
  const row = page.locator(`[data-testid="bim-property-sets"] [data-set="${property.set}"] tr[data-property="${property.name}"]`).first();
  await expect(row.locator('.raw')).toHaveText(String(typeof property.value === 'number' ? Number(property.value.toPrecision(12)) : property.value));
  if (property.unit) await expect(row.locator('.unit')).toHaveText(property.unit);

  // The whole model again, then a horizontal section through it: the roof comes off and the inside shows.
  await page.locator('[data-testid="bim-classes"] li[data-class="IfcWallStandardCase"] [data-testid="bim-class-isolate"]').click();
  await page.locator(`[data-testid="bim-storeys"] li[data-storey="${storey}"] [data-testid="bim-storey-isolate"]`).click();
  await expect.poll(() => elementShown(page, elsewhere.globalId)).toBe(true);
  await page.getByTestId('bim-element').waitFor();
  const before = PNG.sync.read(await freshShot(page));
  await page.getByTestId('bim-section-horizontal').check();
  await page.getByTestId('bim-section-position').fill('450');
  const after = PNG.sync.read(await freshShot(page));
  const box = (await page.evaluate(() => window.__cimTwin!.engine()!.bim.screenBox()))!;
  expect(box).toBeDefined();
  const sliced = changedPixels(before, after, box);
  expect(sliced.changed, 'the section changes the picture').toBeGreaterThan(200);
  expect(sliced.inside / sliced.changed, 'where the model is').toBeGreaterThan(0.95);
  await expectCanvasRendered(page, 0.05);
  // The plane is drawn where it clips.
  expect((await sectionState(page)).planeShown).toBe(true);

  // Drag the plane in the scene (issue 18: "drag a section plane and see the inside"): from the
  // model's top, where it clips nothing, down through it by its rim; the clipping, the slider and
  // the picture follow.
  await page.getByTestId('bim-section-position').fill('1000');
  await expect.poll(async () => (await sectionState(page)).position).toBe(1);
  await expect(page.getByTestId('bim-section-drag-hint')).toContainText('拖动');
  const atTop = await sectionState(page);
  const whole = PNG.sync.read(await freshShot(page));
  await dragSection(page, 0.5);
  const lowered = await sectionState(page);
  expect(lowered.position, 'the plane follows the mouse down to half the height').toBeGreaterThan(0.45);
  expect(lowered.position).toBeLessThan(0.55);
  expect(lowered.distance!, 'the clipping plane moved down with it').toBeLessThan(atTop.distance! - 1);
  await expect(page.getByTestId('bim-section-position')).toHaveValue(String(Math.round(lowered.position * 1000)));
  const cut = PNG.sync.read(await freshShot(page));
  const dragged = changedPixels(whole, cut, box);
  expect(dragged.changed, 'the drag cuts the model open').toBeGreaterThan(200);
  expect(dragged.inside / dragged.changed, 'where the model is').toBeGreaterThan(0.9);
  await expectCanvasRendered(page, 0.05);
  // Nothing of the plane is drawn over the cut: a click through it still picks an element inside.
  await page.evaluate(() => window.__cimTwin!.store.getState().pickBimElement(undefined));
  await expect(page.getByTestId('bim-element')).toHaveCount(0);
  // A click at the model's centre on screen, inside its cut, where the translucent plane covers it.
  const canvasBox = (await page.locator('.cesium-widget canvas').boundingBox())!;
  await page.mouse.click(canvasBox.x + (box.left + box.right) / 2, canvasBox.y + (box.top + box.bottom) / 2);
  await expect(page.getByTestId('bim-element')).toHaveCount(1);
  await expect(page.getByTestId('bim-element-class')).toHaveText(/^Ifc/);

  // A vertical plane, dragged east: more of the model comes back.
  await page.getByTestId('bim-section-vertical').check();
  await page.getByTestId('bim-section-position').fill('300');
  await expect.poll(async () => (await sectionState(page)).mode).toBe('vertical');
  await expect.poll(async () => (await sectionState(page)).position).toBe(0.3);
  const west = await sectionState(page);
  const westShot = PNG.sync.read(await freshShot(page));
  await dragSection(page, 0.75);
  const east = await sectionState(page);
  expect(east.position, 'the plane follows the mouse east to 75 % of the width').toBeGreaterThan(0.7);
  expect(east.position).toBeLessThan(0.8);
  expect(east.distance!, 'the clipping plane moved east with it').toBeGreaterThan(west.distance! + 1);
  await expect(page.getByTestId('bim-section-position')).toHaveValue(String(Math.round(east.position * 1000)));
  const eastShot = PNG.sync.read(await freshShot(page));
  const widened = changedPixels(westShot, eastShot, box);
  expect(widened.changed, 'the drag brings back the east of the model').toBeGreaterThan(200);
  expect(widened.inside / widened.changed, 'where the model is').toBeGreaterThan(0.9);

  // Esc: the city view again, the building's block shown, the model's tiles gone.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.body.dataset.bim === 'closed');
  await expect(page.getByTestId('bim-panel')).toHaveCount(0);
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.bim.hasTileset())).toBe(false);
  await expect.poll(() => page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id)?.shown, building)).toBe(true);
  await expect(page.getByTestId('bim-section')).toBeVisible();
});
