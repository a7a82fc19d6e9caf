import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';
import { LOCAL_TILESET, METADATA_TILESET, THIRD_PARTY_SITES } from './third-party-tilesets.ts';

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
    await expect(page.locator('[data-property="height"] .raw')).toHaveText(String(site.centralHeightMetres));
    await expect(page.locator('[data-property="height"] .unit')).toHaveText('m');
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

/** Horizontal metres between the camera and a place (near 23°N). */
async function cameraDistanceMetres(page: import('@playwright/test').Page, lonDegrees: number, latDegrees: number): Promise<number> {
  const view = (await page.evaluate(() => window.__cimTwin!.engine()!.currentView()))!;
  return Math.hypot((view.lonDegrees - lonDegrees) * 102_500, (view.latDegrees - latDegrees) * 110_700);
}

async function clickCentre(page: import('@playwright/test').Page): Promise<void> {
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
}

test('a tileset with no georeference says so instead of flying into the Earth, is placed at a typed lon/lat/height, and the link keeps the placement', async ({ page, browser }) => {
  // layers=none: the tileset is alone, so nothing else would catch the camera.
  await page.goto(`/?layers=none&tileset=${encodeURIComponent(`/tiles/_e2e/${LOCAL_TILESET.path}`)}`);
  await waitForReady(page);
  const layer = page.locator('[data-layer="url-0"]');
  await expect(layer).toHaveAttribute('data-status', 'ready');
  const dialog = layer.getByTestId('placement');
  await expect(dialog).toContainText('该三维瓦片集没有地理定位');
  // The camera is above the Earth, not at its centre: the globe is drawn.
  expect((await page.evaluate(() => window.__cimTwin!.engine()!.currentView()))!.heightMetres).toBeGreaterThan(1000);
  await expectCanvasRendered(page, 0.05);

  await dialog.getByTestId('placement-lon').fill('113.14');
  await dialog.getByTestId('placement-lat').fill('23.03');
  await dialog.getByTestId('placement-height').fill('5');
  await dialog.getByTestId('placement-apply').click();
  await expect.poll(() => new URL(page.url()).searchParams.get('place')).toBe('url-0,113.14,23.03,5');
  await expect(dialog).toHaveAttribute('data-placed', 'true');
  // The camera flies to the placed tileset; its box is under the centre of the view.
  await expect.poll(() => cameraDistanceMetres(page, 113.14, 23.03), { timeout: 60_000 }).toBeLessThan(500);
  await page.waitForFunction(() => document.body.dataset.ready === 'tiles' && window.__cimTwin!.store.getState().pendingTiles === 0);
  await expectCanvasRendered(page, 0.05);
  await clickCentre(page);
  await expect(page.getByTestId('info-title')).toHaveText(LOCAL_TILESET.name);

  // The link opens with the tileset in place.
  const shared = await browser.newPage();
  await shared.goto(page.url().replace(/&?select=[^&]*/, ''));
  await waitForReady(shared);
  await expect(shared.locator('[data-layer="url-0"]').getByTestId('placement')).toHaveAttribute('data-placed', 'true');
  expect(await cameraDistanceMetres(shared, 113.14, 23.03)).toBeLessThan(500);
  await clickCentre(shared);
  await expect(shared.getByTestId('info-title')).toHaveText(LOCAL_TILESET.name);
  await shared.close();
});

test('a tileset with no georeference can be placed at the centre of the view', async ({ page }) => {
  await page.goto(`/?tileset=${encodeURIComponent(`/tiles/_e2e/${LOCAL_TILESET.path}`)}`);
  await waitForReady(page);
  const dialog = page.locator('[data-layer="url-0"]').getByTestId('placement');
  await expect(dialog).toContainText('该三维瓦片集没有地理定位');
  // The opening view stays on the demo district (the unplaced tileset cannot be framed).
  expect(await cameraDistanceMetres(page, 113.12, 23.01)).toBeLessThan(3000);
  const centre = (await page.evaluate(() => window.__cimTwin!.engine()!.viewCentre()))!;
  expect(centre[0]).toBeCloseTo(113.12, 1);
  // In English too.
  await page.getByTestId('language-toggle').click();
  await expect(dialog).toContainText('This tileset has no geographic placement');
  await page.getByTestId('language-toggle').click();
  await dialog.getByTestId('placement-centre').click();
  await expect.poll(() => new URL(page.url()).searchParams.get('place')).toMatch(/^url-0,113\.1\d*,23\.0\d*,0$/);
  const [, lon, lat] = new URL(page.url()).searchParams.get('place')!.split(',').map(Number);
  expect(Math.hypot((lon! - centre[0]) * 102_500, (lat! - centre[1]) * 110_700)).toBeLessThan(5);
  await expect(dialog).toHaveAttribute('data-placed', 'true');
  await page.waitForFunction(() => document.body.dataset.ready === 'tiles' && window.__cimTwin!.store.getState().pendingTiles === 0);
  await expect.poll(() => cameraDistanceMetres(page, lon!, lat!), { timeout: 60_000 }).toBeLessThan(500);
  // The box stands on the ground there (demo buildings around it may hide it from a click).
  const placed = (await page.evaluate(() => window.__cimTwin!.engine()!.layerCentre('url-0')))!;
  expect(Math.hypot((placed.lonDegrees - lon!) * 102_500, (placed.latDegrees - lat!) * 110_700)).toBeLessThan(1);
  expect(placed.heightMetres).toBeCloseTo(LOCAL_TILESET.heightMetres / 2, 0);
  await expect(dialog.getByTestId('placement-status')).toContainText(`已放置于 经度 ${lon}°`);

  // A lost WebGL context rebuilds the scene: the placement the user made is kept (the link had none).
  await page.evaluate(() => {
    const canvas = document.querySelector('.cesium-widget canvas') as HTMLCanvasElement;
    (canvas.getContext('webgl2') ?? canvas.getContext('webgl'))!.getExtension('WEBGL_lose_context')!.loseContext();
  });
  await page.waitForFunction(() => document.body.dataset.readyGeneration === '1', null, { timeout: 180_000 });
  await expect(page.locator('[data-layer="url-0"]').getByTestId('placement')).toHaveAttribute('data-placed', 'true');
  expect(new URL(page.url()).searchParams.get('place')).toMatch(/^url-0,113\.1\d*,23\.0\d*,0$/);
  const rebuilt = (await page.evaluate(() => window.__cimTwin!.engine()!.layerCentre('url-0')))!;
  expect(Math.hypot((rebuilt.lonDegrees - lon!) * 102_500, (rebuilt.latDegrees - lat!) * 110_700)).toBeLessThan(1);
});

test('the attribute panel shows values as stored with their units, translations beside them, and the tileset, group, tile and content metadata of the layer', async ({ page }) => {
  const m = METADATA_TILESET;
  await page.goto(`/?tileset=${encodeURIComponent(`/tiles/_e2e/${m.path}`)}&view=${m.lonDegrees},${m.latDegrees},${m.heightMetres + 200},0,-90`);
  await waitForReady(page);
  await clickCentre(page);
  await expect(page.getByTestId('info-title')).toHaveText(m.name);
  const row = (id: string) => page.getByTestId('info-properties').locator(`[data-property="${id}"]`);
  // Not rounded: -1.3197, with the unit its schema description gives.
  await expect(row('datumOffset').locator('.raw')).toHaveText('-1.3197');
  await expect(row('datumOffset').locator('.unit')).toHaveText('m');
  // Not translated in place: the stored value, the translation beside it.
  await expect(row('use').locator('.raw')).toHaveText('commercial');
  await expect(row('use').locator('.translation')).toHaveText('商业');
  // Units from the project's property names.
  await expect(row('height').locator('.raw')).toHaveText(String(m.heightMetres));
  await expect(row('height').locator('.unit')).toHaveText('m');
  await expect(row('diameterMillimetres').locator('.unit')).toHaveText('mm');
  await expect(row('floors').locator('.unit')).toHaveCount(0);

  // The layer section: 3D Tiles 1.1 metadata at each level.
  const layer = page.getByTestId('layer-metadata');
  const entry = (level: string, id: string) => layer.locator(`[data-level="${level}"] [data-property="${id}"]`);
  await expect(entry('tileset', 'surveyor').locator('.raw')).toHaveText(m.tileset.surveyor);
  await expect(entry('tileset', 'surveyYear').locator('.raw')).toHaveText(String(m.tileset.surveyYear));
  await expect(entry('tileset', 'heightAccuracy').locator('.raw')).toHaveText(String(m.tileset.heightAccuracy));
  await expect(entry('tileset', 'heightAccuracy').locator('.unit')).toHaveText('m');
  await expect(entry('group', 'batchName').locator('.raw')).toHaveText(m.group.batchName);
  await expect(entry('group', 'capturedOn').locator('.raw')).toHaveText(m.group.capturedOn);
  await expect(entry('tile', 'maximumHeight').locator('.raw')).toHaveText(String(m.tile.maximumHeight));
  await expect(entry('tile', 'maximumHeight').locator('.unit')).toHaveText('m');
  await expect(entry('tile', 'quality').locator('.raw')).toHaveText(m.tile.quality);
  await expect(entry('content', 'source').locator('.raw')).toHaveText(m.content.source);
  await expect(entry('content', 'featureCount').locator('.raw')).toHaveText(String(m.content.featureCount));
  await expect(layer.locator('[data-level="tileset"] .class-name')).toHaveText('Survey');
  await expect(layer.locator('[data-level="group"] .class-name')).toHaveText('Capture batch');
  await expectCanvasRendered(page, 0.05);
});

test('a tileset added as ?tileset=pipelines:<url> is a pipeline layer: drawn in the underground view only, its network loaded beside it', async ({ page }) => {
  const url = '/tiles/demo/pipelines/tileset.json';
  await page.goto(`/?layers=demo-buildings&tileset=${encodeURIComponent(`pipelines:${url}`)}&view=113.12,23.01,300,0,-45`);
  await waitForReady(page);
  const layer = page.locator('[data-layer="url-0"]');
  await expect(layer).toHaveAttribute('data-status', 'ready');
  await expect(layer.locator('.kind')).toHaveText('管线');
  const shown = () =>
    page.evaluate((path) => {
      const primitives = window.__cimTwin!.engine()!.viewer.scene.primitives;
      for (let i = 0; i < primitives.length; i++) {
        const primitive = primitives.get(i) as { resource?: { url?: string }; show?: boolean };
        if (primitive.resource?.url?.includes(path)) return primitive.show;
      }
      return undefined;
    }, url);
  // Pipes lie under the opaque ground: hidden above it, like the config's pipeline layer.
  expect(await shown()).toBe(false);
  await page.getByTestId('underground-toggle').check();
  await expect.poll(shown).toBe(true);
  // The pipe panel and the analyses ask the server: the page never fetches the network document beside the tileset.
  expect(await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('network.json')).length)).toBe(0);
  await waitForReady(page);
  await expectCanvasRendered(page, 0.05);
});
