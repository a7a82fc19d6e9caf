/**
 * Thematic views and the 4D slider in the browser: the time from a change (colour by another
 * attribute; move the slider between two years) until a drawn frame shows it, against one plain
 * frame of the same page. A change is "shown" when a building in view has its new colour (or its
 * new visibility) after a frame has really been drawn (a pixel read back).
 */
import type { Browser } from '@playwright/test';

export interface ThematicResult {
  plainFrameMilliseconds: number;
  restyleMilliseconds: number;
  restyleFrames: number;
  sliderMilliseconds: number;
  sliderFrames: number;
  changes: number;
}

export async function benchThematic(browser: Browser, url: string, changes = 8): Promise<ThematicResult> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    // tsx (esbuild, keepNames) wraps the named helpers below in __name(): give the page one.
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000, polling: 100 });
    // The 4D view needs the lifecycle dates: switch it on once and wait for them.
    await page.evaluate(() => window.__cimTwin!.store.getState().setAsOfDate('2020-12-31'));
    await page.waitForFunction(() => window.__cimTwin!.store.getState().lifecycleDates !== undefined, null, { timeout: 120_000 });
    await page.evaluate(() => window.__cimTwin!.store.getState().setAsOfDate(undefined));
    await page.waitForFunction(() => window.__cimTwin!.engine()!.viewer.scene.primitives.length > 0 && document.body.dataset.ready === 'tiles');
    return await page.evaluate((count) => {
      type Appearance = { shown: boolean; colour: string; alpha: number };
      const services = window.__cimTwin!;
      const engine = services.engine()!;
      const viewer = engine.viewer;
      const store = services.store;
      const gl = viewer.scene.canvas.getContext('webgl2')!;
      const pixel = new Uint8Array(4);
      const frame = () => {
        viewer.scene.requestRender();
        viewer.render();
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      };
      const plain: number[] = [];
      for (let i = 0; i < 8; i++) {
        const started = performance.now();
        frame();
        plain.push(performance.now() - started);
      }
      // Buildings in loaded tiles, from the index the viewer searches (IDs only).
      const dates = store.getState().lifecycleDates!;
      const ids = [...dates.keys()].filter((id) => engine.buildingAppearance(id) !== undefined);
      if (ids.length === 0) throw new Error('no building of the lifecycle records is loaded in this view');
      /** Time from `change` until a frame shows `shows` true (at most 20 frames). */
      const measure = (change: () => void, shows: () => boolean) => {
        const started = performance.now();
        change();
        let frames = 0;
        do {
          frame();
          frames++;
        } while (!shows() && frames < 20);
        if (!shows()) throw new Error('the change did not show within 20 frames');
        return { milliseconds: performance.now() - started, frames };
      };
      const appearance = (id: string) => engine.buildingAppearance(id) as Appearance;
      const restyle: { milliseconds: number; frames: number }[] = [];
      const themes = ['use', 'height'] as const;
      // A building whose use and height classes have different colours (almost all do).
      for (let i = 0; i < count; i++) {
        const theme = themes[i % 2]!;
        const sample = ids[i % ids.length]!;
        const before = appearance(sample).colour;
        restyle.push(measure(() => store.getState().setTheme(theme), () => appearance(sample).colour !== before));
      }
      store.getState().setTheme('none');
      frame();
      // A building that is not there in 1990 and stands in 2020.
      const stagesOf = (id: string) => dates.get(id) ?? [];
      const changing = ids.find((id) => {
        const first = stagesOf(id).map((s) => s.date).sort()[0];
        return first !== undefined && first > '1990-12-31' && first <= '2019-12-31' && !stagesOf(id).some((s) => s.stage === 'demolition');
      });
      if (!changing) throw new Error('no building in view appears between 1990 and 2020');
      const slider: { milliseconds: number; frames: number }[] = [];
      for (let i = 0; i < count; i++) {
        const date = i % 2 ? '1990-12-31' : '2020-12-31';
        slider.push(measure(() => store.getState().setAsOfDate(date), () => appearance(changing).shown === (date === '2020-12-31')));
      }
      store.getState().setAsOfDate(undefined);
      const med = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      return {
        plainFrameMilliseconds: med(plain),
        restyleMilliseconds: med(restyle.map((r) => r.milliseconds)),
        restyleFrames: med(restyle.map((r) => r.frames)),
        sliderMilliseconds: med(slider.map((r) => r.milliseconds)),
        sliderFrames: med(slider.map((r) => r.frames)),
        changes: count,
      };
    }, changes);
  } finally {
    await page.close();
  }
}
