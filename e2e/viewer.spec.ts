import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { demoBuildings, expect, expectCanvasRendered, test, viewAbove, waitForReady, type SearchRow } from './fixtures.ts';

/** The tallest demo building: a tower centred on its podium, so its search position is on its roof. */
async function tallest(page: import('@playwright/test').Page): Promise<SearchRow> {
  const buildings = await demoBuildings(page);
  return buildings.reduce((a, b) => (b.height > a.height ? b : a));
}

test('opens offline on the demo district, renders it, and records the README screenshot', async ({ page }) => {
  await page.goto('/');
  await waitForReady(page);
  await expect(page.getByTestId('loading')).toHaveAttribute('data-pending', '0');
  const shot = await expectCanvasRendered(page);
  expect(shot.length).toBeGreaterThan(50_000);
  // The camera flew to the district and the URL holds the view.
  expect(new URL(page.url()).searchParams.get('view')).toMatch(/^113\.1\d*,23\.0\d*,/);

  // Render quality: these tests run WebGL on SwiftShader (no GPU), where "auto" draws half the
  // resolution without MSAA, and says so.
  const drawing = () =>
    page.evaluate(() => {
      const viewer = window.__cimTwin!.engine()!.viewer;
      return { scale: viewer.resolutionScale, msaa: viewer.scene.msaaSamples, bufferWidth: viewer.scene.canvas.width, cssWidth: viewer.scene.canvas.clientWidth };
    });
  expect(await page.evaluate(() => window.__cimTwin!.store.getState().softwareRenderer)).toBe(true);
  await expect(page.getByTestId('render-quality')).toHaveAttribute('data-effective', 'smooth');
  await expect(page.getByTestId('software-renderer-note')).toHaveAttribute('title', '未检测到显卡（软件渲染），已自动切换为流畅画质');
  const smooth = await drawing();
  expect(smooth).toMatchObject({ scale: 0.5, msaa: 1 });
  expect(smooth.bufferWidth).toBe(Math.round(smooth.cssWidth / 2));
  // The user asks for full quality: full resolution and MSAA, kept in the URL; the README screenshot is taken so.
  await page.getByTestId('render-quality-select').selectOption('high');
  await expect(page.getByTestId('render-quality')).toHaveAttribute('data-effective', 'high');
  await expect(page.getByTestId('software-renderer-note')).toBeHidden();
  await expect.poll(drawing).toMatchObject({ scale: 1, msaa: 4, bufferWidth: smooth.cssWidth });
  expect(new URL(page.url()).searchParams.get('quality')).toBe('high');
  await expectCanvasRendered(page);
  await writeFile(join(import.meta.dirname, 'screenshots', 'demo-district.png'), await page.screenshot());
  await expect(page.locator('h1')).toHaveText('城市信息模型 · 数字孪生');
});

test('clicking a building (camera preset over its roof) opens the panel with its ID and name, and the link restores it', async ({ page, browser }) => {
  await page.goto('/');
  const target = await tallest(page);
  await page.goto(`/?view=${viewAbove(target)}`);
  await waitForReady(page);
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  // Hover highlights the building under the mouse…
  await canvas.hover({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect.poll(() => page.evaluate(() => window.__cimTwin!.store.getState().hoveredId)).toBe(target.id);
  // …and a click selects it.
  await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(page.getByTestId('info-id')).toHaveText(target.id);
  await expect(page.getByTestId('info-title')).toHaveText(target.name);
  await expect(page.locator('[data-property="use"] td')).not.toHaveText('');
  await expect(page.locator('[data-property="height"] .raw')).toHaveText(String(target.height));
  // The URL now holds both the selection and the camera.
  await expect.poll(() => new URL(page.url()).searchParams.get('select')).toBe(target.id);
  const link = page.url();

  const second = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await second.route('**/*', (route) => (['127.0.0.1', 'localhost'].includes(new URL(route.request().url()).hostname) ? route.continue() : route.abort()));
  await second.goto(link);
  await waitForReady(second);
  await expect(second.getByTestId('info-id')).toHaveText(target.id);
  await expect(second.getByTestId('info-title')).toHaveText(target.name);
  const view = await second.evaluate(() => window.__cimTwin!.engine()!.currentView()!);
  expect(view.lonDegrees).toBeCloseTo(target.lon, 5);
  expect(view.latDegrees).toBeCloseTo(target.lat, 5);
  expect(view.pitchDegrees).toBeCloseTo(-90, 0);
  await second.close();
});

test('a deep link with only ?select= flies to the building and shows its properties', async ({ page }) => {
  await page.goto('/');
  const buildings = await demoBuildings(page);
  const target = buildings.find((b) => b.name.includes('小学')) ?? buildings[100]!;
  await page.goto(`/?select=${encodeURIComponent(target.id)}`);
  await waitForReady(page);
  await expect(page.getByTestId('info-id')).toHaveText(target.id);
  await expect(page.getByTestId('info-title')).toHaveText(target.name);
  await expect(page.locator('[data-property="address"] td')).toHaveText(target.address);
  const view = await page.evaluate(() => window.__cimTwin!.engine()!.currentView()!);
  // Within a few hundred metres of the building, looking down at it.
  expect(Math.abs(view.lonDegrees - target.lon)).toBeLessThan(0.005);
  expect(view.pitchDegrees).toBeLessThan(-20);
});

test('switching the language changes the panel labels', async ({ page }) => {
  await page.goto('/');
  const target = await tallest(page);
  await page.goto(`/?view=${viewAbove(target)}&select=${encodeURIComponent(target.id)}`);
  await waitForReady(page);
  await expect(page.locator('[data-property="name"] th')).toHaveText('名称');
  // The stored code, with its translation beside it.
  await expect(page.locator('[data-property="use"] .raw')).toHaveText(/^(commercial|office)$/);
  await expect(page.locator('[data-property="use"] .translation')).toHaveText(/^(商业|办公)$/);
  await page.getByTestId('language-toggle').click();
  await expect(page.locator('[data-property="name"] th')).toHaveText('Name');
  await expect(page.locator('[data-property="use"] .translation')).toHaveText(/^(Commercial|Office)$/);
  await expect(page.locator('h1')).toHaveText('City Information Model · Digital Twin');
  expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
});

test('search by name flies to the building and selects it', async ({ page }) => {
  await page.goto('/');
  const buildings = await demoBuildings(page);
  const target = buildings.find((b) => b.name.endsWith('购物中心'))!;
  await waitForReady(page);
  // The server searches (issue 16): the page asks the asset API, one small page per query.
  const searched = page.waitForResponse((r) => r.url().includes('/api/assets?') && new URL(r.url()).searchParams.get('q') === target.name);
  await page.getByTestId('search-input').fill(target.name);
  const response = await searched;
  expect(response.status()).toBe(200);
  expect(Number(response.headers()['content-length'] ?? (await response.body()).length)).toBeLessThan(50_000);
  await page.getByTestId('search-results').getByText(target.id).click();
  await expect(page.getByTestId('info-id')).toHaveText(target.id);
  await expect(page.getByTestId('info-title')).toHaveText(target.name);
  await expect.poll(() => new URL(page.url()).searchParams.get('select')).toBe(target.id);
});

test('search finds pipes and valves by ID through the asset API, and a selected valve is flown to', async ({ page }) => {
  // The demo network's IDs: the first valve and the first power segment (src/demo/network.ts).
  const valve = (await (await page.request.get('/api/assets?q=440604-NJS-00001&limit=1')).json()) as { assets: { id: string; kind: string; position: [number, number] }[] };
  expect(valve.assets[0]?.kind).toBe('valve');
  await page.goto('/?underground=1');
  await waitForReady(page);
  await page.getByTestId('search-input').fill('440604-NJS-00001');
  const row = page.getByTestId('search-results').locator('li[data-kind="valve"]').first();
  await expect(row).toContainText('440604-NJS-00001');
  await expect(row).toContainText('阀门');
  await row.click();
  await expect.poll(() => new URL(page.url()).searchParams.get('select')).toBe('440604-NJS-00001');
  const [lon, lat] = valve.assets[0]!.position;
  await expect
    .poll(async () => {
      const view = await page.evaluate(() => window.__cimTwin!.engine()!.currentView()!);
      return Math.hypot(view.lonDegrees - lon, view.latDegrees - lat);
    })
    .toBeLessThan(0.005);
  // A pipe segment by a part of its ID: segments are assets too, with their type in the row.
  await page.getByTestId('search-input').fill('440604-DL-0000');
  await expect(page.getByTestId('search-results').locator('li[data-kind="pipe"]').first()).toContainText('电力');
});

test('without the asset API (tiles on a static server) the search box says what it needs, and tiles still pick', async ({ page }) => {
  await page.route('**/config.json', async (route) => {
    const config = (await (await route.fetch()).json()) as Record<string, unknown>;
    delete config.assets;
    await route.fulfill({ json: config });
  });
  await page.goto('/');
  const target = await tallest(page);
  await page.goto(`/?view=${viewAbove(target)}`);
  await waitForReady(page);
  await page.getByTestId('search-input').fill(target.name);
  await expect(page.getByTestId('search-unavailable')).toHaveText(/资产服务/);
  await page.getByTestId('search-input').press('Escape');
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(page.getByTestId('info-id')).toHaveText(target.id);
});

test('a tileset that fails to load is named in an error, and the rest of the app keeps working', async ({ page }) => {
  const missing = '/tiles/no-such-dataset/tileset.json';
  await page.goto(`/?tileset=${encodeURIComponent(missing)}`);
  await waitForReady(page);
  await expect(page.getByTestId('layer-error')).toContainText(`http://127.0.0.1:`);
  await expect(page.getByTestId('layer-error')).toContainText(missing);
  await expect(page.locator('[data-layer="demo-buildings"]')).toHaveAttribute('data-status', 'ready');
  await expectCanvasRendered(page);
});

test('the sky (atmosphere, stars, sun, moon) is drawn only when some of it is in view, and hiding it changes no pixel', async ({ page }) => {
  await page.goto('/?layers=demo-buildings&view=113.1105,23.0105,600,0,-60');
  await waitForReady(page);
  // One frame with the culling as it runs, one with the sky forced on: the same picture.
  const frames = await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    const scene = engine.viewer.scene;
    const culled = engine.snapshot();
    const skyBox = scene.skyBox as unknown as { show: boolean };
    const shownWhileCulled = scene.skyAtmosphere!.show || skyBox.show || scene.sun!.show || scene.moon!.show;
    const force = scene.preRender.addEventListener(() => {
      scene.skyAtmosphere!.show = true;
      skyBox.show = true;
      scene.sun!.show = true;
      scene.moon!.show = true;
    });
    const forced = engine.snapshot();
    force();
    return { culled, forced, shownWhileCulled, cssWidth: scene.canvas.clientWidth, scale: engine.viewer.resolutionScale };
  });
  expect(frames.shownWhileCulled).toBe(false);
  const culled = PNG.sync.read(Buffer.from(frames.culled.split(',')[1]!, 'base64'));
  const forced = PNG.sync.read(Buffer.from(frames.forced.split(',')[1]!, 'base64'));
  // Snapshots (the PNG export) are drawn at full resolution while the screen draws at half (smooth on SwiftShader).
  expect(frames.scale).toBe(0.5);
  expect(culled.width).toBe(frames.cssWidth);
  let differing = 0;
  for (let i = 0; i < culled.data.length; i += 4) {
    if (Math.abs(culled.data[i]! - forced.data[i]!) + Math.abs(culled.data[i + 1]! - forced.data[i + 1]!) + Math.abs(culled.data[i + 2]! - forced.data[i + 2]!) > 6) differing++;
  }
  expect(differing / (culled.width * culled.height)).toBeLessThan(0.001);
  // Tilted up to the horizon, the sky is in view and drawn.
  const shownAtHorizon = await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    engine.setView({ lonDegrees: 113.1105, latDegrees: 23.0105, heightMetres: 600, headingDegrees: 0, pitchDegrees: -10 });
    engine.snapshot();
    const scene = engine.viewer.scene;
    return scene.skyAtmosphere!.show && (scene.skyBox as unknown as { show: boolean }).show && scene.sun!.show && scene.moon!.show;
  });
  expect(shownAtHorizon).toBe(true);
  await expectCanvasRendered(page);
});
