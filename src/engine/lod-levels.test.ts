/** A detail layer's building IDs come from its loaded tiles' own metadata, inner contents included. */
import type { Cesium3DTile } from 'cesium';
import { describe, expect, test } from 'vitest';
import { tileIds } from './lod-levels.ts';

const content = (ids: unknown[], innerContents?: unknown[]) => ({
  featuresLength: ids.length,
  getFeature: (i: number) => ({ getProperty: (name: string) => (name === 'id' ? ids[i] : name === 'gml_id' ? `g${String(ids[i])}` : undefined) }),
  innerContents,
});
const tile = (c: unknown) => ({ content: c }) as unknown as Cesium3DTile;

describe('tileIds', () => {
  test('reads each feature’s ID property, as text, skipping features without one', () => {
    expect(tileIds(tile(content(['B-1', 'B-2', undefined, '', 7])))).toEqual(['B-1', 'B-2', '7']);
    expect(tileIds(tile(content(['B-1'])), 'gml_id')).toEqual(['gB-1']);
  });

  test('reads the inner contents of a composite or multiple-content tile', () => {
    expect(tileIds(tile({ featuresLength: 0, innerContents: [content(['A']), content(['B', 'C'])] }))).toEqual(['A', 'B', 'C']);
  });

  test('a tile with no content or no features holds none', () => {
    expect(tileIds(tile(undefined))).toEqual([]);
    expect(tileIds(tile({}))).toEqual([]);
  });
});
