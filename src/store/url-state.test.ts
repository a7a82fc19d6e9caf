import { describe, expect, it } from 'vitest';
import { formatUrlState, formatView, parseTilesetParameter, parseUrlState, parseView } from './url-state.ts';

describe('URL state', () => {
  it('round-trips a camera view', () => {
    const view = { lonDegrees: 113.1234567, latDegrees: 23.0212345, heightMetres: 350.25, headingDegrees: 12.5, pitchDegrees: -45 };
    const parsed = parseView(formatView(view))!;
    expect(parsed.lonDegrees).toBeCloseTo(view.lonDegrees, 7);
    expect(parsed.heightMetres).toBeCloseTo(350.3, 1);
    expect(parsed.pitchDegrees).toBe(-45);
  });

  it.each(['', '1,2,3', '113,95,100,0,-90', 'a,b,c,d,e', '113,23,100,0,NaN'])('rejects the view %j', (text) => {
    expect(parseView(text)).toBeUndefined();
  });

  it('parses selection, language, extra tilesets and time', () => {
    const state = parseUrlState('?select=440604-B-000001&lang=en&tileset=http%3A%2F%2Flocalhost%2Fa%2Ftileset.json&tileset=b.json&time=2026-01-01T02:00:00Z');
    expect(state).toEqual({ select: '440604-B-000001', language: 'en', tilesets: ['http://localhost/a/tileset.json', 'b.json'], time: '2026-01-01T02:00:00Z' });
    expect(parseUrlState('?lang=fr&time=never')).toEqual({ tilesets: [] });
    expect(parseUrlState('?layers=demo-buildings,demo-pipelines').layers).toEqual(['demo-buildings', 'demo-pipelines']);
  });

  it('updates only its own parameters and drops cleared ones', () => {
    const search = formatUrlState({ select: 'X 1' }, '?tileset=a.json&lang=en');
    expect(new URLSearchParams(search).get('select')).toBe('X 1');
    expect(new URLSearchParams(search).get('tileset')).toBe('a.json');
    expect(formatUrlState({ select: undefined, language: 'zh' }, search)).toBe('?tileset=a.json');
  });

  it('reads the monitoring URL and an incident deep link, and writes the incident back', () => {
    expect(parseUrlState('?monitoring=https%3A%2F%2Fiot.example%2Fv1.1&incident=12')).toMatchObject({ monitoring: 'https://iot.example/v1.1', incident: 12 });
    expect(parseUrlState('?incident=abc').incident).toBeUndefined();
    expect(parseUrlState('?incident=-3').incident).toBeUndefined();
    expect(formatUrlState({ incident: 7 }, '?lang=en')).toBe('?lang=en&incident=7');
    expect(formatUrlState({ incident: undefined }, '?incident=7')).toBe('');
  });

  it('reads and writes the theme, the filter and the 4D date, rejecting bad ones', () => {
    expect(parseUrlState('?theme=stage&filter=use%3Dresidential%3ByearBuilt%3C2000&asof=1999-12-31')).toMatchObject({ theme: 'stage', filter: 'use=residential;yearBuilt<2000', asOfDate: '1999-12-31' });
    expect(parseUrlState('?theme=rainbow&asof=1999-13-45&filter=')).toEqual({ tilesets: [] });
    expect(parseUrlState('?asof=1999').asOfDate).toBeUndefined();
    expect(parseUrlState('?asof=1999-02-30').asOfDate).toBeUndefined();
    const search = formatUrlState({ theme: 'age', filter: 'floors>12', asOfDate: '2005-01-01' }, '?lang=en');
    expect(parseUrlState(search)).toMatchObject({ language: 'en', theme: 'age', filter: 'floors>12', asOfDate: '2005-01-01' });
    expect(formatUrlState({ theme: 'none', filter: '', asOfDate: undefined }, search)).toBe('?lang=en');
  });

  it('reads the display mode and its tour interval', () => {
    expect(parseUrlState('?mode=display&tour=12')).toMatchObject({ mode: 'display', tourSeconds: 12 });
    expect(parseUrlState('?mode=kiosk&tour=2')).toEqual({ tilesets: [] });
  });

  it('keeps the dual command mode: emergency in the URL, daily by its absence', () => {
    expect(parseUrlState('?command=emergency&incident=4')).toMatchObject({ command: 'emergency', incident: 4 });
    expect(parseUrlState('?command=daily')).toEqual({ tilesets: [] });
    expect(formatUrlState({ command: 'emergency' }, '?incident=4')).toBe('?incident=4&command=emergency');
    expect(formatUrlState({ command: undefined }, '?incident=4&command=emergency')).toBe('?incident=4');
  });

  it('keeps a hidden sensor overlay', () => {
    expect(parseUrlState('?sensors=0')).toMatchObject({ sensors: false });
    expect(parseUrlState('?sensors=1')).toEqual({ tilesets: [] });
    expect(formatUrlState({ sensors: false }, '')).toBe('?sensors=0');
    expect(formatUrlState({ sensors: undefined }, '?sensors=0')).toBe('');
  });

  it('keeps a forced render quality, and auto as no parameter', () => {
    expect(parseUrlState('?quality=high')).toMatchObject({ quality: 'high' });
    expect(parseUrlState('?quality=smooth')).toMatchObject({ quality: 'smooth' });
    expect(parseUrlState('?quality=auto')).toEqual({ tilesets: [] });
    expect(parseUrlState('?quality=ultra')).toEqual({ tilesets: [] });
    expect(formatUrlState({ quality: 'smooth' }, '?lang=en')).toBe('?lang=en&quality=smooth');
    expect(formatUrlState({ quality: undefined }, '?quality=high')).toBe('');
  });

  it('keeps the selected sensor (its Datastream id), rejecting ids that are not positive integers', () => {
    expect(parseUrlState('?sensor=12&view=113.1,23.0,300,0,-90')).toMatchObject({ sensor: 12 });
    for (const bad of ['abc', '0', '-2', '1.5', '']) expect(parseUrlState(`?sensor=${bad}`).sensor).toBeUndefined();
    expect(formatUrlState({ sensor: 7 }, '?lang=en')).toBe('?lang=en&sensor=7');
    expect(formatUrlState({ sensor: undefined }, '?sensor=7&lang=en')).toBe('?lang=en');
  });

  it('keeps the placements of tilesets with no georeference, one per layer, and rejects malformed ones', () => {
    expect(parseUrlState('?place=url-0,113.14,23.03,5&place=my,layer,-70.5,-33.4,0').placements).toEqual([
      { layerId: 'url-0', lonDegrees: 113.14, latDegrees: 23.03, heightMetres: 5 },
      { layerId: 'my,layer', lonDegrees: -70.5, latDegrees: -33.4, heightMetres: 0 },
    ]);
    for (const bad of ['url-0,113,23', ',113,23,0', 'url-0,200,23,0', 'url-0,113,91,0', 'url-0,113,23,', 'url-0,a,23,0']) expect(parseUrlState(`?place=${bad}`).placements).toBeUndefined();
    const search = formatUrlState({ placements: [{ layerId: 'url-0', lonDegrees: 113.123456789, latDegrees: 23.0301, heightMetres: 5.004 }] }, '?tileset=a.json&place=old,1,2,3');
    expect(new URLSearchParams(search).getAll('place')).toEqual(['url-0,113.1234568,23.0301,5']);
    expect(formatUrlState({ placements: [] }, search)).toBe('?tileset=a.json');
  });

  it.each([
    ['pipelines:/tiles/net3/tileset.json', 'pipelines', '/tiles/net3/tileset.json'],
    ['buildings:https://tiles.example/city/tileset.json', 'buildings', 'https://tiles.example/city/tileset.json'],
    ['external:b.json', 'external', 'b.json'],
    ['/tiles/net3/tileset.json', 'external', '/tiles/net3/tileset.json'],
    ['https://tiles.example/pipelines:x/tileset.json', 'external', 'https://tiles.example/pipelines:x/tileset.json'],
    ['pipelines:', 'external', 'pipelines:'],
    ['roads:/tiles/r/tileset.json', 'external', 'roads:/tiles/r/tileset.json'],
  ] as const)('reads the layer kind of tileset=%j as %s', (text, kind, url) => {
    expect(parseTilesetParameter(text)).toEqual({ kind, url });
  });
  it('reads and writes the scene style, ignoring unknown ones', () => {
    expect(parseUrlState('?style=dark').sceneStyle).toBe('dark');
    expect(parseUrlState('?mode=display&style=original')).toMatchObject({ mode: 'display', sceneStyle: 'original' });
    expect(parseUrlState('?style=neon').sceneStyle).toBeUndefined();
    expect(formatUrlState({ sceneStyle: 'dark' }, '?lang=en')).toBe('?lang=en&style=dark');
    expect(formatUrlState({ sceneStyle: undefined }, '?style=dark')).toBe('');
  });

  it('grid=<code> names a street, community or unit grid code; anything else is ignored', () => {
    expect(parseUrlState('?grid=44060400100101').grid).toBe('44060400100101');
    expect(parseUrlState('?grid=440604001').grid).toBe('440604001');
    expect(parseUrlState('?grid=440604').grid).toBeUndefined();
    expect(parseUrlState('?grid=4406040010010x').grid).toBeUndefined();
    expect(formatUrlState({ grid: '440604001001' }, '?lang=en')).toBe('?lang=en&grid=440604001001');
    expect(formatUrlState({ grid: undefined }, '?grid=440604001001')).toBe('');
  });
});
