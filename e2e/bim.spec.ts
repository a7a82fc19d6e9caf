/**
 * The demo's completion model (竣工模型, issue 18 §3–4): the Duplex IFC sample placed on one demo
 * building. Opened from that building's panel; a storey isolated; a wall picked with its class
 * and a property-set value from the BIM API; a horizontal section showing the inside; Esc back
 * to the city view. Waits on the app's signals (body[data-ready], body[data-bim], the style's
 * feature state), never on time.
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
  let changed = 0;
  let changedInside = 0;
  for (let y = 0; y < after.height; y += 2) {
    for (let x = 0; x < after.width; x += 2) {
      const i = (y * after.width + x) * 4;
      const difference = Math.abs(after.data[i]! - before.data[i]!) + Math.abs(after.data[i + 1]! - before.data[i + 1]!) + Math.abs(after.data[i + 2]! - before.data[i + 2]!);
      if (difference < 30) continue;
      changed++;
      if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) changedInside++;
    }
  }
  expect(changed, 'the section changes the picture').toBeGreaterThan(200);
  expect(changedInside / changed, 'where the model is').toBeGreaterThan(0.95);
  await expectCanvasRendered(page, 0.05);

  // Esc: the city view again, the building's block shown, the model's tiles gone.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.body.dataset.bim === 'closed');
  await expect(page.getByTestId('bim-panel')).toHaveCount(0);
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.bim.hasTileset())).toBe(false);
  await expect.poll(() => page.evaluate((id) => window.__cimTwin!.engine()!.buildingAppearance(id)?.shown, building)).toBe(true);
  await expect(page.getByTestId('bim-section')).toBeVisible();
});
