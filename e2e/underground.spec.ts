import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork, pathLengthMetres } from '../src/demo/network.ts';
import { longitudinalProfile } from '../src/domain/analysis/profile.ts';
import { NetworkIndex } from '../src/domain/network-index.ts';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';

/** A storm main of the demo network (the generator is deterministic): its midpoint and centre depth. */
function stormMain() {
  const network = generateNetwork(generateDistrict());
  const segment = network.segments.find((s) => s.type === 'drainage-storm' && s.shape.kind === 'circular' && s.shape.diameterMillimetres === 1200 && pathLengthMetres(s.path) > 30)!;
  const [a, b] = [segment.path[0]!, segment.path.at(-1)!];
  const depth = 'depthMetres' in segment.start ? segment.start.depthMetres : 2;
  return { segment, lon: (a[0] + b[0]) / 2, lat: (a[1] + b[1]) / 2, centreHeight: -(depth + 0.6) };
}

test('the underground view makes the ground translucent and lets the camera go below it', async ({ page }) => {
  await page.goto('/?view=113.12,23.01,300,0,-45');
  await waitForReady(page);
  const collisionDetection = () => page.evaluate(() => window.__cimTwin!.engine()!.viewer.scene.screenSpaceCameraController.enableCollisionDetection);
  expect(await collisionDetection()).toBe(true);
  // The globe's limit in degrees [west, south, east, north], after a frame is drawn.
  const globeLimit = () =>
    page.evaluate(() => {
      const engine = window.__cimTwin!.engine()!;
      engine.viewer.scene.requestRender();
      engine.viewer.render();
      const r = engine.viewer.scene.globe.cartographicLimitRectangle;
      const degrees = (radians: number) => (radians * 180) / Math.PI;
      return [degrees(r.west), degrees(r.south), degrees(r.east), degrees(r.north)] as const;
    });
  expect((await globeLimit()).map((d) => Math.round(d * 1e6) / 1e6)).toEqual([-180, -90, 180, 90]);
  await page.getByTestId('underground-toggle').check();
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.viewer.scene.globe.translucency.enabled)).toBe(true);
  expect(await collisionDetection()).toBe(false);
  // With the ground translucent, the globe stops at the camera's horizon (300 m up: 62 km, plus
  // 113 km for 1 km of relief, with a 1.2 margin: about ±1.9° of latitude), not the far side of the Earth.
  const [west, south, east, north] = await globeLimit();
  expect(north - 23.01).toBeCloseTo(23.01 - south, 6);
  expect(north - south).toBeGreaterThan(3.5);
  expect(north - south).toBeLessThan(4);
  expect(west).toBeLessThan(113.12);
  expect(east).toBeGreaterThan(113.12);
  // Looking down through the ground no sky is in view, so the atmosphere is not drawn (globeLimit drew a frame).
  const skyShown = () => page.evaluate(() => window.__cimTwin!.engine()!.viewer.scene.skyAtmosphere!.show);
  expect(await skyShown()).toBe(false);
  // Below the ground, looking up a little; then the user turns the view with the mouse.
  await page.evaluate(() => window.__cimTwin!.engine()!.setView({ lonDegrees: 113.12, latDegrees: 23.01, heightMetres: -30, headingDegrees: 0, pitchDegrees: 10 }));
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 - 20, { steps: 4 });
  await page.mouse.up({ button: 'middle' });
  const height = await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.currentView()!.heightMetres;
  });
  expect(height).toBeLessThan(-20);
  // Below the surface the view shows earth, not sky (underground-below.spec.ts checks the picture).
  expect(await skyShown()).toBe(false);
  await page.getByTestId('ground-opacity').fill('0.2');
  expect(await page.evaluate(() => window.__cimTwin!.engine()!.viewer.scene.globe.translucency.frontFaceAlpha)).toBeCloseTo(0.2, 5);
  // Back above: the opaque ground culls by the horizon itself, and the whole globe is allowed again.
  await page.getByTestId('underground-toggle').uncheck();
  expect((await globeLimit()).map((d) => Math.round(d * 1e6) / 1e6)).toEqual([-180, -90, 180, 90]);
});

test('picking a pipe from below opens its panel with the pipeline attributes, its connections and its profile', async ({ page }) => {
  const target = stormMain();
  await page.goto(`/?view=${target.lon},${target.lat},${target.centreHeight - 12},0,90`);
  await waitForReady(page);
  await page.getByTestId('underground-toggle').check();
  await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
  });
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0 && window.__cimTwin!.engine()!.viewer.scene.globe.tilesLoaded, null, { timeout: 120_000, polling: 250 });
  await expectCanvasRendered(page, 0.05);
  const canvas = page.locator('.cesium-widget canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(page.getByTestId('info-id')).toHaveText(target.segment.id);
  await expect(page.locator('[data-property="typeName"] td')).toHaveText('雨水');
  await expect(page.locator('[data-property="featureType"] .raw')).toHaveText('segment');
  await expect(page.locator('[data-property="featureType"] .translation')).toHaveText('管段');
  await expect(page.locator('[data-property="diameterMillimetres"] .raw')).toHaveText('1200');
  await expect(page.locator('[data-property="diameterMillimetres"] .unit')).toHaveText('mm');
  await expect(page.locator('[data-property="material"] td')).toHaveText(target.segment.material!);

  // What it connects to, from the network the generator laid (the same network the tiles hold).
  const index = new NetworkIndex(generateNetwork(generateDistrict()));
  const connections = index.connections(target.segment.id)!;
  await expect(page.getByTestId('connected-assets').locator('li')).toHaveCount(connections.assets.length);
  await expect(page.getByTestId('connected-assets')).toContainText(connections.assets[0]!.id);
  await expect(page.getByTestId('connected-segments').locator('li')).toHaveCount(Math.min(30, connections.segments.length));

  // The longitudinal profile along the storm run through it.
  const profile = longitudinalProfile(index, target.segment.id)!;
  expect(profile.segments.length).toBeGreaterThan(1);
  await page.getByTestId('profile-button').click();
  await expect(page.getByTestId('profile-chart')).toBeVisible();
  await expect(page.getByTestId('profile-segment')).toHaveCount(profile.segments.length);
  await expect(page.getByTestId('profile-segment').first()).toContainText(profile.segments[0]!.id);
});
