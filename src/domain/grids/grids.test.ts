import { describe, expect, it } from 'vitest';
import { checkGridSet, geometriesOverlap, geometryProblem, pickCovering, pointInGeometry, type GridGeometry, type Position } from './grids.ts';

const square = (west: number, south: number, size = 1): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
const polygon = (...rings: Position[][]): GridGeometry => ({ type: 'Polygon', coordinates: rings });

describe('point in a grid', () => {
  const withHole = polygon(square(0, 0, 4), square(1, 1, 2));
  it.each([
    [[0.5, 0.5], 1],
    [[2, 2], -1], // in the hole
    [[1, 2], 0], // on the hole's edge
    [[0, 2], 0], // on the outer edge
    [[4, 4], 0], // a corner
    [[5, 2], -1],
  ] as [Position, number][])('%j is %i', (point, expected) => {
    expect(pointInGeometry(point, withHole)).toBe(expected);
  });

  it('gives a point on a shared edge or corner to the lowest code, in any order', () => {
    const grids = [
      { code: '44060400100104', geometry: polygon(square(1, 1)) },
      { code: '44060400100102', geometry: polygon(square(1, 0)) },
      { code: '44060400100103', geometry: polygon(square(0, 1)) },
      { code: '44060400100101', geometry: polygon(square(0, 0)) },
    ];
    expect(pickCovering(grids, 1, 0.5)?.code).toBe('44060400100101');
    expect(pickCovering(grids, 1.5, 1)?.code).toBe('44060400100102');
    expect(pickCovering(grids, 1, 1)?.code).toBe('44060400100101');
    expect(pickCovering([...grids].reverse(), 1, 1)?.code).toBe('44060400100101');
    expect(pickCovering(grids, 1.5, 1.5)?.code).toBe('44060400100104');
    expect(pickCovering(grids, 3, 3)).toBeUndefined();
  });
});

describe('grid geometry', () => {
  it.each([
    ['a bow tie', polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), /intersects itself/],
    ['a spike folding back', polygon([[0, 0], [2, 0], [1, 0], [1, 1], [0, 0]]), /folds back|intersects itself/],
    ['a hole outside', polygon(square(0, 0), square(5, 5)), /hole 1 is not inside/],
    ['a hole crossing the outer ring', polygon(square(0, 0, 2), square(1, 1, 2)), /rings 0 and 1 intersect/],
    ['a flat ring', polygon([[0, 0], [1, 0], [2, 0], [0, 0]]), /has no area|folds back/],
    ['too few positions', polygon([[0, 0], [1, 0], [0, 0]]), /at least 4/],
    ['a LineString', { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, /a grid is a Polygon or MultiPolygon/],
  ])('refuses %s', (_name, geometry, message) => {
    expect(geometryProblem(geometry)).toMatch(message);
  });

  it('says where rings cross', () => {
    expect(geometryProblem(polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]))).toBe('ring 0 intersects itself at [0.5, 0.5]');
    expect(geometryProblem(polygon(square(0, 0, 2), [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]))).toMatch(/^rings 0 and 1 intersect at \[(2, 1|1, 2)\]$/);
    expect(geometryProblem({ type: 'MultiPolygon', coordinates: [[square(0, 0)], [[[5, 5], [6, 6], [6, 5], [5, 6], [5, 5]]]] })).toBe('polygon 1, ring 0 intersects itself at [5.5, 5.5]');
  });

  it('accepts a valid polygon with a hole, with a repeated position', () => {
    expect(geometryProblem(polygon([[0, 0], [4, 0], [4, 0], [4, 4], [0, 4], [0, 0]], square(1, 1, 2)))).toBeUndefined();
  });

  it('tells overlapping grids from neighbours', () => {
    expect(geometriesOverlap(polygon(square(0, 0)), polygon(square(1, 0)))).toBe(false); // a shared edge
    expect(geometriesOverlap(polygon(square(0, 0)), polygon(square(1, 1)))).toBe(false); // a shared corner
    expect(geometriesOverlap(polygon(square(0, 0)), polygon(square(0.5, 0.5)))).toBe(true);
    expect(geometriesOverlap(polygon(square(0, 0)), polygon(square(0, 0)))).toBe(true); // the same
    expect(geometriesOverlap(polygon(square(0, 0, 3)), polygon(square(1, 1)))).toBe(true); // one inside
    expect(geometriesOverlap(polygon(square(0, 0, 3), square(1, 1)), polygon(square(1, 1)))).toBe(false); // in the hole
    // A T-junction: one edge against two.
    expect(geometriesOverlap(polygon(square(0, 0, 2)), polygon([[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]))).toBe(false);
  });

  it('takes a sliver under 1 m² for a shared boundary, and a larger one for an overlap', () => {
    const strip = (west: number, width: number): GridGeometry => polygon([[west, 23], [west + width, 23], [west + width, 23.01], [west, 23.01], [west, 23]]);
    // 0.01° (about 1.1 km) long: 1e-9° (0.1 mm) wide is about 0.1 m², 1e-5° (1 m) wide about 1,100 m².
    expect(geometriesOverlap(strip(113, 0.01), strip(113.01 - 1e-9, 0.01))).toBe(false);
    expect(geometriesOverlap(strip(113, 0.01), strip(113.01 - 1e-5, 0.01))).toBe(true);
  });

  it('checks a set: overlaps only within a level', () => {
    const grids = checkGridSet([
      { code: '440604001001', name: '社区', geometry: polygon(square(113, 23, 0.02)) },
      { code: '44060400100101', name: '网格一', geometry: polygon(square(113, 23, 0.01)) },
    ]);
    expect(grids.map((g) => [g.code, g.level, g.parentCode])).toEqual([['440604001001', 'community', '440604001'], ['44060400100101', 'unit', '440604001001']]);
  });
});
