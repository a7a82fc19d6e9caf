/**
 * The BIM model in the viewer (issue 18 benchmarks): the time from "open BIM model" (the store's
 * openBim, as the panel's button calls it) to the first frame with the element tiles loaded and
 * the camera's flight to it over (the viewer's own signal, body[data-bim=ready]), and the frame
 * time inside the model against the city view it was opened from, in the same page and run.
 * Scale: the demo district (4,815 LoD1 buildings) and the Duplex sample (236 elements).
 */
import type { Browser } from '@playwright/test';

export interface BimViewerResult {
  openMilliseconds: number;
  cityFrameMilliseconds: number;
  modelFrameMilliseconds: number;
}

export async function benchBimViewer(browser: Browser, base: string, building: string, model: { id: string; name: string; tileset: string }): Promise<BimViewerResult> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`${base}/?layers=demo-buildings&quality=high&sensors=0&select=${encodeURIComponent(building)}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000, polling: 100 });
    const frames = () =>
      page.evaluate(() => {
        const viewer = window.__cimTwin!.engine()!.viewer;
        const gl = viewer.scene.canvas.getContext('webgl2')!;
        const pixel = new Uint8Array(4);
        const times: number[] = [];
        for (let i = 0; i < 10; i++) {
          const started = performance.now();
          viewer.scene.requestRender();
          viewer.render();
          gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        return times[Math.floor(times.length / 2)]!;
      });
    const cityFrameMilliseconds = await frames();
    await page.evaluate(
      ([id, name, building, tilesetUrl, apiUrl]) => window.__cimTwin!.store.getState().openBim({ id: id!, name: name!, building, tilesetUrl: tilesetUrl!, apiUrl: apiUrl! }),
      [model.id, model.name, building, new URL(`tiles/${model.tileset}`, `${base}/`).href, `${base}/api/bim/models/${model.id}`],
    );
    await page.waitForFunction(() => document.body.dataset.bim === 'ready', null, { timeout: 300_000, polling: 50 });
    const openMilliseconds = (await page.evaluate(() => window.__cimTwin!.engine()!.bim.openMilliseconds()))!;
    const modelFrameMilliseconds = await frames();
    return { openMilliseconds, cityFrameMilliseconds, modelFrameMilliseconds };
  } finally {
    await page.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function bimViewerLines(runs: BimViewerResult[]): string[] {
  const open = median(runs.map((r) => r.openMilliseconds));
  const city = median(runs.map((r) => r.cityFrameMilliseconds));
  const inside = median(runs.map((r) => r.modelFrameMilliseconds));
  return [
    `BIM viewer (demo district, 4,815 buildings; Duplex sample, 236 elements; 1280×720, quality high; median of ${runs.length} pages)`,
    `  open BIM model → visually complete  ${open.toFixed(0)} ms (includes the 1.2 s camera flight)`,
    `  frame time, city view               ${city.toFixed(1)} ms`,
    `  frame time, inside the model        ${inside.toFixed(1)} ms (${(inside / city).toFixed(2)}× the city view)`,
  ];
}
