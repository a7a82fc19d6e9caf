import { describe, expect, it } from 'vitest';
import { showsFinishedPicture } from './ready-rule.ts';

describe('showsFinishedPicture (when ready fires)', () => {
  it('is not finished while anything in view loads, however many frames came before', () => {
    expect(showsFinishedPicture({ complete: false, tileLoaded: false, completeBefore: 0 })).toBe(false);
    expect(showsFinishedPicture({ complete: false, tileLoaded: true, completeBefore: 5 })).toBe(false);
  });

  it('is not finished at the first complete frame: what the globe loaded after it is drawn by the next', () => {
    expect(showsFinishedPicture({ complete: true, tileLoaded: false, completeBefore: 0 })).toBe(false);
  });

  it('is finished at the second complete frame in a row', () => {
    expect(showsFinishedPicture({ complete: true, tileLoaded: false, completeBefore: 1 })).toBe(true);
    expect(showsFinishedPicture({ complete: true, tileLoaded: false, completeBefore: 4 })).toBe(true);
  });

  it('waits for the next complete frame when a tile finished loading in this one', () => {
    // A tile that finished in this frame raises its load event after it; a listener may restyle a layer.
    expect(showsFinishedPicture({ complete: true, tileLoaded: true, completeBefore: 1 })).toBe(false);
    expect(showsFinishedPicture({ complete: true, tileLoaded: false, completeBefore: 2 })).toBe(true);
  });
});
