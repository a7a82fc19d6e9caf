import { describe, expect, it } from 'vitest';
import { ABOVE_GROUND_METRES, GLOBE_SCREEN_SPACE_ERROR_DEFAULT, GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND, NEAR_GROUND_METRES, globeScreenSpaceError } from './globe-detail.ts';

describe('globe detail by camera height', () => {
  it('keeps Cesium’s default from above and bounds the refinement near and below the ground', () => {
    expect(globeScreenSpaceError(1350)).toBe(GLOBE_SCREEN_SPACE_ERROR_DEFAULT);
    expect(globeScreenSpaceError(ABOVE_GROUND_METRES)).toBe(GLOBE_SCREEN_SPACE_ERROR_DEFAULT);
    expect(globeScreenSpaceError(NEAR_GROUND_METRES)).toBe(GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND);
    expect(globeScreenSpaceError(2)).toBe(GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND);
    expect(globeScreenSpaceError(-8)).toBe(GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND);
    expect(globeScreenSpaceError(Number.NaN)).toBe(GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND);
  });

  it('blends between the two, falling with height', () => {
    const middle = globeScreenSpaceError((NEAR_GROUND_METRES + ABOVE_GROUND_METRES) / 2);
    expect(middle).toBeCloseTo((GLOBE_SCREEN_SPACE_ERROR_DEFAULT + GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND) / 2, 9);
    expect(globeScreenSpaceError(150)).toBeGreaterThan(globeScreenSpaceError(300));
  });
});
