/** The asset API over a SQLite store (the routes are the same for both backends): answers, 400s, 404s. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAssetStore, type Asset, type AssetStore } from './asset-store.ts';
import { registerAssetRoutes } from './routes.ts';

let app: FastifyInstance;
let store: AssetStore;

beforeAll(async () => {
  store = await openAssetStore(':memory:');
  await store.replaceDataset('district', [
    { id: 'B-1', kind: 'building', name: '合肥市第一中学', address: '蜀山区长江西路100号', attributes: { use: 'residential', floors: 6 }, geometry: { type: 'Point', coordinates: [117.28, 31.86] } },
    { id: 'B-2', kind: 'building', name: '合肥科技馆', address: '蜀山区黄山路200号', geometry: { type: 'Point', coordinates: [117.281, 31.86] } },
    { id: 'B-3', kind: 'building', name: '合肥大剧院', address: '政务区东流路', geometry: { type: 'Point', coordinates: [117.3, 31.9] } },
    { id: 'V-1', kind: 'valve', geometry: { type: 'Point', coordinates: [117.2801, 31.86] } },
    { id: 'search', kind: 'hydrant', geometry: { type: 'Point', coordinates: [117.5, 31.5] } },
  ]);
  app = Fastify();
  registerAssetRoutes(app, { store });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const get = async (url: string) => {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
};
const ids = (assets: unknown) => (assets as Asset[]).map((a) => a.id);

describe('asset API', () => {
  it('searches best first and links the next page', async () => {
    const first = await get(`/api/assets?q=${encodeURIComponent('合肥')}&limit=2`);
    expect(first.status).toBe(200);
    expect(ids(first.body.assets)).toEqual(['B-2', 'B-3']);
    expect(first.body.next).toBe(`/api/assets?${new URLSearchParams({ q: '合肥', limit: '2', offset: '2' })}`);
    const second = await get(first.body.next as string);
    expect(ids(second.body.assets)).toEqual(['B-1']);
    expect(second.body.next).toBeUndefined();
  });

  it('looks an asset up by ID, and names a missing one in the 404', async () => {
    expect((await get('/api/assets/B-1')).body).toMatchObject({ id: 'B-1', name: '合肥市第一中学', dataset: 'district' });
    const missing = await get(`/api/assets/${encodeURIComponent("nope' OR 1=1")}`);
    expect(missing).toMatchObject({ status: 404, body: { message: `no asset "nope' OR 1=1"` } });
  });

  it('answers a bbox and a radius', async () => {
    expect(ids((await get('/api/assets?bbox=117.27,31.85,117.29,31.87')).body.assets)).toEqual(['B-1', 'B-2', 'V-1']);
    expect(ids((await get('/api/assets?bbox=117.27,31.85,117.29,31.87&kinds=valve')).body.assets)).toEqual(['V-1']);
    const near = (await get('/api/assets?lon=117.28&lat=31.86&radius=50')).body as { hits: { asset: Asset; distanceMetres: number }[] };
    expect(near.hits.map((h) => h.asset.id)).toEqual(['B-1', 'V-1']);
    expect(near.hits[1]!.distanceMetres).toBeCloseTo(9.46, 1);
  });

  it.each([
    ['10,000 nested parentheses', `/api/assets?q=${'('.repeat(10_000)}${')'.repeat(10_000)}`, /longer than 200 characters/],
    ['SQL in the search', `/api/assets?q=${encodeURIComponent("'; DROP TABLE assets; --")}&limit=abc`, /limit must be a number/],
    ['no query', '/api/assets', /give one of q \(search\), bbox/],
    ['two queries at once', '/api/assets?q=abc&bbox=117.2,31.8,117.3,31.9', /give one of q/],
    ['a page over the limit', '/api/assets?q=abc&limit=5000', /limit must be an integer from 1 to 1000/],
    ['a filter the parser refuses', '/api/assets?bbox=117.2,31.8,117.3,31.9&filter=use%3Dcastle', /"castle" is not a use/],
    ['a count of something else', '/api/assets?count=all', /count must be "filter"/],
    ['a filter of 10,000 nested parentheses', `/api/assets?count=filter&filter=${'('.repeat(10_000)}`, /filter is longer than 500/],
    ['a bbox with west east of east', '/api/assets?bbox=117.3,31.8,117.2,31.9', /west 117.3 is east of east 117.2/],
    ['a bbox of three numbers', '/api/assets?bbox=117.2,31.8,117.3', /4 finite numbers/],
    ['a bbox with text', '/api/assets?bbox=117.2,31.8,117.3,north', /4 finite numbers/],
    ['a radius over the limit', '/api/assets?lon=117.28&lat=31.86&radius=1e9', /radius must be 0 to 50000 metres/],
    ['a radius without a centre', '/api/assets?radius=10', /give lon and lat/],
    ['bad kinds', `/api/assets?bbox=117.2,31.8,117.3,31.9&kinds=${encodeURIComponent("valve') OR 1=1")}`, /kinds must be/],
  ])('answers %s with a 400 and a message', async (_name, url, message) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.message).toMatch(message);
  });

  it('counts filter matches, over everything or within a bbox', async () => {
    expect((await get('/api/assets?count=filter&filter=use%3Dresidential')).body).toEqual({ count: 1 });
    expect((await get('/api/assets?count=filter&kinds=building')).body).toEqual({ count: 3 });
    expect((await get('/api/assets?count=filter&filter=floors%3E3&bbox=117.27,31.85,117.29,31.87')).body).toEqual({ count: 1 });
  });

  it('finds an asset whose ID looks like a query word', async () => {
    expect((await get('/api/assets/search')).body).toMatchObject({ id: 'search', kind: 'hydrant' });
  });

  it('still has every asset after the bad requests', async () => {
    expect(await store.count()).toBe(5);
  });
});
