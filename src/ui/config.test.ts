import { describe, expect, it } from 'vitest';
import { layerFromUrl } from './config.ts';

describe('layers from ?tileset=', () => {
  const base = 'http://127.0.0.1:8080/?tileset=x';

  it('is an external layer by default, its URL resolved against the page', () => {
    expect(layerFromUrl('/tiles/a/tileset.json', 0, base)).toEqual({ id: 'url-0', name: 'a/tileset.json', kind: 'external', url: 'http://127.0.0.1:8080/tiles/a/tileset.json' });
  });

  it('takes the kind a prefix names (the pipe panel and analyses come from the API, no network.json)', () => {
    expect(layerFromUrl('pipelines:/tiles/net3/tileset.json', 1, base)).toEqual({
      id: 'url-1',
      name: 'net3/tileset.json',
      kind: 'pipelines',
      url: 'http://127.0.0.1:8080/tiles/net3/tileset.json',
    });
    expect(layerFromUrl('buildings:https://tiles.example/city/tileset.json', 2, base)).toMatchObject({ kind: 'buildings', url: 'https://tiles.example/city/tileset.json' });
  });
});
