/**
 * The asset API over an AssetStore, beside the monitoring and lifecycle APIs. Every route is a
 * data route (access.ts): reads need a key only where the server is configured for keyed reads.
 *
 *   GET /api/assets/search?q=合肥&limit=20&offset=0     best first; `next` when more remain
 *   GET /api/assets/{id}                                 one asset; 404 naming the ID
 *   GET /api/assets?bbox=W,S,E,N[&kinds=a,b][&limit=N]   bounds intersecting the bbox, by ID
 *   GET /api/assets/near?lon=&lat=&radius=M[&kinds=][&limit=]   within M metres, nearest first
 *
 * Bad input (search text over the limits, a bbox that is not W,S,E,N degrees, a page over 1,000)
 * is a 400 with a message, never a database error.
 */
import type { FastifyInstance } from 'fastify';
import { AssetQueryError } from '../../domain/assets.ts';
import { DATA_ROUTE } from '../access.ts';
import type { AssetStore } from './asset-store.ts';

class AssetApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new AssetApiError(400, `give ${name} once`);
  return value;
}

/** A number parameter: undefined when absent; a 400 when not a plain decimal number. */
function numberParameter(query: Query, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!/^\s*-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*$/i.test(text)) throw new AssetApiError(400, `${name} must be a number, got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function kindsParameter(query: Query): string[] | undefined {
  const text = single(query, 'kinds');
  return text === undefined ? undefined : text.split(',').map((k) => k.trim());
}

/** Run a store call, turning its query errors into 400s. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AssetQueryError) throw new AssetApiError(400, error.message);
    throw error;
  }
}

export function registerAssetRoutes(app: FastifyInstance, options: { store: AssetStore }): void {
  const { store } = options;

  app.get('/api/assets/search', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const q = single(query, 'q');
    if (q === undefined) throw new AssetApiError(400, 'give the search text as q');
    const limit = numberParameter(query, 'limit');
    const offset = numberParameter(query, 'offset') ?? 0;
    const page = await answer(() => store.search(q, { limit, offset }));
    const size = limit ?? page.assets.length;
    const next = page.truncated ? `/api/assets/search?${new URLSearchParams({ q, limit: String(size), offset: String(offset + size) })}` : undefined;
    return { assets: page.assets, ...(next ? { next } : {}) };
  });

  app.get('/api/assets/near', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const lon = numberParameter(query, 'lon');
    const lat = numberParameter(query, 'lat');
    const radius = numberParameter(query, 'radius');
    if (lon === undefined || lat === undefined || radius === undefined) throw new AssetApiError(400, 'give lon, lat (degrees) and radius (metres)');
    return answer(() => store.withinRadius(lon, lat, radius, { kinds: kindsParameter(query), limit: numberParameter(query, 'limit') }));
  });

  app.get('/api/assets', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const text = single(query, 'bbox');
    if (text === undefined) throw new AssetApiError(400, 'give bbox=west,south,east,north in degrees');
    const bbox = text.split(',').map((part) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(part) ? Number(part) : Number.NaN));
    return answer(() => store.withinBbox(bbox as [number, number, number, number], { kinds: kindsParameter(query), limit: numberParameter(query, 'limit') }));
  });

  app.get('/api/assets/:id', DATA_ROUTE, async (request) => {
    const { id } = request.params as { id: string };
    const asset = await store.get(id);
    if (!asset) throw new AssetApiError(404, `no asset ${JSON.stringify(id)}`);
    return asset;
  });
}
