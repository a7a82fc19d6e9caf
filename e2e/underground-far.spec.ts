import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';
import { pipePixels } from './pipe-pixels.ts';

/**
 * The underground view from the opening camera (about 1,350 m up, pitch −35°): the network must be
 * readable, in its CJJ 61 colours. A 0.3 m tube is a tenth of a pixel there; far tiles draw lines.
 * The same view with the pipelines layer hidden is the reference: pixels that change between the
 * two and have a CJJ 61 hue are pipe pixels.
 */

async function settledShot(page: Page): Promise<Buffer> {
  await page.waitForFunction(() => window.__cimTwin!.store.getState().pendingTiles === 0 && document.body.dataset.ready === 'tiles', null, { timeout: 180_000, polling: 250 });
  await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
  });
  return expectCanvasRendered(page, 0.05);
}

test('from the opening camera the underground view shows the network in its CJJ 61 colours', async ({ page }) => {
  await page.goto('/');
  await waitForReady(page);
  const view = await page.evaluate(() => window.__cimTwin!.engine()!.currentView()!);
  // The opening camera: about 1,350 m up over the demo district, looking down at 35°.
  expect(view.heightMetres).toBeGreaterThan(1000);
  expect(view.heightMetres).toBeLessThan(1700);
  expect(view.pitchDegrees).toBeCloseTo(-35, 0);
  await page.getByTestId('underground-toggle').check();
  const withPipes = await settledShot(page);
  await page.evaluate(() => window.__cimTwin!.store.getState().setLayerVisible('demo-pipelines', false));
  const withoutPipes = await settledShot(page);
  const { counts, at } = pipePixels(withPipes, withoutPipes);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const image = PNG.sync.read(withPipes);
  const share = total / (image.width * image.height);
  test.info().annotations.push({ type: 'pipe pixels', description: `${total} (${(share * 100).toFixed(2)} %): ${JSON.stringify(counts)}` });
  // Lines of 268 km of network over the district: well over 1 % of the picture, in at least four of its colours.
  expect(share, JSON.stringify(counts)).toBeGreaterThan(0.01);
  expect(Object.values(counts).filter((n) => n > 200).length, JSON.stringify(counts)).toBeGreaterThanOrEqual(4);

  // A far line is a pipe to pick: with the buildings hidden (建筑: 隐藏), clicking one of its pixels
  // (clear of the side panels) selects that segment.
  await page.evaluate(() => {
    const state = window.__cimTwin!.store.getState();
    state.setLayerVisible('demo-pipelines', true);
    state.setBuildingsAppearance('hide');
  });
  await settledShot(page);
  const segmentIds = new Set(generateNetwork(generateDistrict()).segments.map((s) => s.id));
  const inView = at.filter(([x, y]) => x > 320 && x < 880 && y > 200 && y < 620);
  expect(inView.length).toBeGreaterThan(100);
  const [x, y] = inView[Math.floor(inView.length / 2)]!;
  await page.locator('.cesium-widget canvas').click({ position: { x, y } });
  await expect(page.getByTestId('info-id')).toHaveText(/.+/);
  expect(segmentIds.has((await page.getByTestId('info-id').textContent())!)).toBe(true);
});
