import { PNG } from 'pngjs';
import { expect, expectCanvasRendered, test, waitForReady } from './fixtures.ts';

/** Luminance statistics of a region of a PNG: mean, standard deviation, and the share of bright or yellow pixels. */
function regionStatistics(png: Buffer, x0: number, y0: number, x1: number, y1: number) {
  const image = PNG.sync.read(png);
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  let bright = 0;
  let yellow = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * image.width + x) * 4;
      const [r, g, b] = [image.data[i]! / 255, image.data[i + 1]! / 255, image.data[i + 2]! / 255];
      const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      n++;
      sum += l;
      sumSquares += l * l;
      if (l > 0.5) bright++;
      if (r > 0.45 && g > 0.35 && b < 0.25 && r - b > 0.25) yellow++;
    }
  }
  const mean = sum / n;
  return { mean, deviation: Math.sqrt(Math.max(0, sumSquares / n - mean * mean)), brightShare: bright / n, yellowShare: yellow / n };
}

test('below the ground at street level the view is calm earth under the horizon, with no sky, stars or atmosphere band', async ({ page }) => {
  // Camera 8 m under a street, looking along it a little downwards (issue 15, item 6).
  await page.goto('/?underground=1&view=113.115,23.012,-8,20,-5');
  await waitForReady(page);
  const scene = await page.evaluate(() => {
    const s = window.__cimTwin!.engine()!.viewer.scene;
    s.requestRender();
    window.__cimTwin!.engine()!.viewer.render();
    const surface = (s.globe as unknown as { _surface: { _tilesToRender: { level: number }[] } })._surface;
    return {
      atmosphere: s.skyAtmosphere!.show,
      stars: (s.skyBox as unknown as { show: boolean }).show,
      sun: s.sun!.show,
      globeTiles: surface._tilesToRender.length,
      globeLevel: Math.max(...surface._tilesToRender.map((t) => t.level)),
      globeError: s.globe.maximumScreenSpaceError,
    };
  });
  // Under the surface there is no sky to draw: the star box showed through as white speckles and
  // the atmosphere as a yellow band across the middle.
  expect(scene).toMatchObject({ atmosphere: false, stars: false, sun: false });
  // The ground near the camera no longer refines without end (199 globe tiles over levels 9–21 before).
  expect(scene.globeError).toBeGreaterThan(2);
  expect(scene.globeTiles).toBeLessThan(100);
  // Nor past the level where the smooth ellipsoid has any detail left (it went to 19–21 before: src/engine/globe-detail.ts).
  expect(scene.globeLevel).toBeLessThanOrEqual(14);
  const shot = await expectCanvasRendered(page, 0.05);
  // Below the horizon, between the side panels: an even earth colour, not black noise.
  const below = regionStatistics(shot, 280, 330, 900, 640);
  expect(below.brightShare, 'bright speckles below the horizon').toBeLessThan(0.002);
  expect(below.yellowShare, 'a yellow band below the horizon').toBeLessThan(0.002);
  expect(below.deviation, 'the earth below the horizon is not even').toBeLessThan(0.06);
  expect(below.mean, 'the earth below the horizon is black').toBeGreaterThan(0.08);
  // Back above the ground in the same view, the sky returns where it is in view.
  await page.evaluate(() => window.__cimTwin!.engine()!.setView({ lonDegrees: 113.115, latDegrees: 23.012, heightMetres: 60, headingDegrees: 20, pitchDegrees: 0 }));
  const above = await page.evaluate(() => {
    const engine = window.__cimTwin!.engine()!;
    engine.viewer.scene.requestRender();
    engine.viewer.render();
    return engine.viewer.scene.skyAtmosphere!.show;
  });
  expect(above).toBe(true);
});
