import { BlendOption, Cartesian3, type PointPrimitiveCollection } from 'cesium';
import { describe, expect, it } from 'vitest';
import { PointCells } from './point-cells.ts';

const at = (lon: number, lat: number) => ({ position: Cartesian3.fromDegrees(lon, lat, 3) });

describe('PointCells', () => {
  it('puts points of one cell in one collection and of other cells in their own', () => {
    const cells = new PointCells(0.025);
    cells.add(117.2001, 31.8001, at(117.2001, 31.8001));
    cells.add(117.2101, 31.8101, at(117.2101, 31.8101));
    cells.add(117.3001, 31.8001, at(117.3001, 31.8001));
    expect(cells.length).toBe(3);
    expect(cells.cellCount).toBe(2);
    expect(cells.collection.length).toBe(2);
  });

  it('drops a cell once its last point is removed, and refuses a point it does not hold', () => {
    const cells = new PointCells(0.025);
    const a = cells.add(117.2001, 31.8001, at(117.2001, 31.8001));
    const b = cells.add(117.3001, 31.8001, at(117.3001, 31.8001));
    expect(cells.remove(a)).toBe(true);
    expect(cells.remove(a)).toBe(false);
    expect(cells.cellCount).toBe(1);
    expect(cells.collection.length).toBe(1);
    expect(cells.remove(b)).toBe(true);
    expect(cells.collection.length).toBe(0);
    expect(cells.length).toBe(0);
  });

  it('shows and hides every cell at once', () => {
    const cells = new PointCells();
    cells.add(117.2, 31.8, at(117.2, 31.8));
    cells.show = false;
    expect(cells.collection.show).toBe(false);
    cells.show = true;
    expect(cells.show).toBe(true);
  });

  it('keeps a point editable as Cesium made it', () => {
    const cells = new PointCells();
    const point = cells.add(117.2, 31.8, { ...at(117.2, 31.8), pixelSize: 8 });
    point.pixelSize = 12;
    expect(point.pixelSize).toBe(12);
  });
});

describe('PointCells blending', () => {
  it('makes opaque cells by default, and cells of the blending asked for', () => {
    const opaque = new PointCells();
    opaque.add(117.2, 31.8, at(117.2, 31.8));
    expect((opaque.collection.get(0) as PointPrimitiveCollection).blendOption).toBe(BlendOption.OPAQUE);
    const both = new PointCells(0.025, BlendOption.OPAQUE_AND_TRANSLUCENT);
    both.add(117.2, 31.8, at(117.2, 31.8));
    expect((both.collection.get(0) as PointPrimitiveCollection).blendOption).toBe(BlendOption.OPAQUE_AND_TRANSLUCENT);
  });
});
