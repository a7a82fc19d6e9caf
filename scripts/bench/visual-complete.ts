/**
 * Time to visually complete: when the picture stops changing.
 *
 * An init script records, after every frame the page draws, a coarse signature of the drawing
 * buffer (a 64 × 36 grid of its pixels, read back whole in the frame's own task, while the buffer is still
 * the frame's) with its time. At the end the page draws once more and the benchmark finds the
 * first frame from which every frame looks like that final picture: no more than 1 % of the grid's
 * samples differ by more than a little. Recording then stops, so later frame timings are not
 * burdened by it. The same script runs in every page compared (ours and the
 * bare CesiumJS page), so both pay the same read-backs.
 */
import type { Page } from '@playwright/test';

/** Installed with `page.addInitScript` before navigation; plain JavaScript (no transpiled helpers). */
export const VISUAL_RECORDER_SCRIPT = `
(() => {
  const COLUMNS = 64, ROWS = 36;
  const frames = [];
  window.__visualFrames = frames;
  const attach = () => {
    const viewer = (window.__cimTwin && window.__cimTwin.engine && window.__cimTwin.engine() && window.__cimTwin.engine().viewer) || (window.__bench && window.__bench.viewer);
    if (!viewer) { requestAnimationFrame(attach); return; }
    const canvas = viewer.scene.canvas;
    const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
    let pixels = new Uint8Array(0);
    viewer.scene.postRender.addEventListener(() => {
      if (window.__visualStopped) return;
      const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
      if (pixels.length !== w * h * 4) pixels = new Uint8Array(w * h * 4);
      gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
      const signature = new Uint8Array(COLUMNS * ROWS * 3);
      for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLUMNS; c++) {
        const p = (Math.floor(((r + 0.5) * h) / ROWS) * w + Math.floor(((c + 0.5) * w) / COLUMNS)) * 4;
        const i = (r * COLUMNS + c) * 3;
        signature[i] = pixels[p]; signature[i + 1] = pixels[p + 1]; signature[i + 2] = pixels[p + 2];
      }
      frames.push({ t: performance.now(), signature });
    });
  };
  attach();
})();
`;

/** Share of samples that may differ, and by how much (per channel, of 255), for two frames to look the same. */
const SAMPLE_SHARE = 0.01;
const CHANNEL_TOLERANCE = 12;

/**
 * After the page is ready and settled: draw one final frame, then return the time (ms since
 * navigation) of the first recorded frame from which all frames match it, and the frame count.
 */
export async function visualCompleteMilliseconds(page: Page, viewerExpression: string): Promise<{ milliseconds: number; frames: number }> {
  return page.evaluate(
    ([expression, share, tolerance]) => {
      const viewer = (0, eval)(expression as string) as { scene: { requestRender(): void }; render(): void };
      viewer.scene.requestRender();
      viewer.render();
      const frames = (window as unknown as { __visualFrames: { t: number; signature: Uint8Array }[] }).__visualFrames;
      const final = frames[frames.length - 1]!.signature;
      const same = (s: Uint8Array) => {
        let differing = 0;
        for (let i = 0; i < s.length; i += 3) {
          if (Math.abs(s[i]! - final[i]!) > (tolerance as number) || Math.abs(s[i + 1]! - final[i + 1]!) > (tolerance as number) || Math.abs(s[i + 2]! - final[i + 2]!) > (tolerance as number)) differing++;
        }
        return differing <= (share as number) * (s.length / 3);
      };
      (window as unknown as { __visualStopped: boolean }).__visualStopped = true;
      let first = frames.length - 1;
      while (first > 0 && same(frames[first - 1]!.signature)) first--;
      return { milliseconds: frames[first]!.t, frames: frames.length };
    },
    [viewerExpression, SAMPLE_SHARE, CHANNEL_TOLERANCE] as const,
  );
}
