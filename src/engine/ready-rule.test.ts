import { describe, expect, it } from 'vitest';
import { showsFinishedPicture } from './ready-rule.ts';

describe('showsFinishedPicture (when ready fires)', () => {
  it('is not finished while anything in view loads, however many frames came before', () => {
    expect(showsFinishedPicture({ complete: false, tileLoaded: false, completeBefore: 0 })).toBe(false);
    expect(showsFinishedPicture({ complete: false, tileLoaded: true, completeBefore: 5 })).toBe(false);
  });

  it('is finished at the first complete frame in which no tileset tile finished loading (no frame later)', () => {
    // Under a street the last globe tiles come in, the next frame draws them complete, and nothing
    // else changes: ready then, not one frame of 1.5–7 s later (the rule before waited for two).
    expect(showsFinishedPicture({ complete: true, tileLoaded: false, completeBefore: 0 })).toBe(true);
  });

  it('waits for the next complete frame when a tile finished loading in this one (no frame earlier)', () => {
    // A tile that finished in this frame raises its load event after it; a listener may restyle a layer.
    expect(showsFinishedPicture({ complete: true, tileLoaded: true, completeBefore: 0 })).toBe(false);
    expect(showsFinishedPicture({ complete: true, tileLoaded: true, completeBefore: 1 })).toBe(true);
  });
});
