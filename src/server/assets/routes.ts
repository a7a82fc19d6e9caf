/**
 * The asset API over an AssetStore, beside the monitoring and lifecycle APIs. Every route is a
 * data route (access.ts): reads need a key only where the server is configured for keyed reads.
 * Queries are parameters of the collection, so that no query path can shadow an asset's ID:
 *
 *   GET /api/assets?q=合肥[&limit=20][&offset=0]                   search, best first; `next` link
 *   GET /api/assets?bbox=W,S,E,N[&kinds=a,b][&filter=…][&limit=N]  bounds intersecting the bbox, by ID
 *   GET /api/assets?lon=&lat=&radius=M[&kinds=][&filter=][&limit=] within M metres, nearest first
 *   GET /api/assets?count=filter&filter=use=residential[&bbox=][&kinds=][&asOf=YYYY-MM-DD]
 *                                                                  {count} of filter matches; with
 *                                                                  asOf, less the buildings the 4D
 *                                                                  view hides on that date
 *   GET /api/assets/{id}                                           one asset; 404 naming the ID
 *
 * `filter` is the filter box's text (use=residential;floors>12). Bad input (search text over the
 * limits, a bbox that is not W,S,E,N degrees, a page over 1,000, a filter the parser refuses) is
 * a 400 with a message, never a database error.
 */
import type { FastifyInstance } from 'fastify';
import { AssetQueryError } from '../../domain/assets.ts';
import { isCalendarDate } from '../../domain/lifecycle/lifecycle.ts';
import { DATA_ROUTE } from '../access.ts';
import { MAXIMUM_ID_PAGE, type AssetStore } from './asset-store.ts';

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

function bboxParameter(query: Query): [number, number, number, number] | undefined {
  const text = single(query, 'bbox');
  if (text === undefined) return undefined;
  return text.split(',').map((part) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(part) ? Number(part) : Number.NaN)) as [number, number, number, number];
}

export interface AssetRoutesOptions {
  store: AssetStore;
  /**
   * The IDs of the buildings the 4D view hides on a date (not there yet, or demolished), in pages
   * of at most `pageSize`: from the lifecycle records (buildingsHiddenAsOf). Without it a date
   * hides nothing, as the viewer shows buildings without records as built.
   */
  hiddenAsOf?: (date: string, pageSize: number) => Iterable<readonly string[]> | AsyncIterable<readonly string[]>;
}

export function registerAssetRoutes(app: FastifyInstance, options: AssetRoutesOptions): void {
  const { store, hiddenAsOf } = options;

  app.get('/api/assets', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const q = single(query, 'q');
    const bbox = bboxParameter(query);
    const radius = numberParameter(query, 'radius');
    const count = single(query, 'count');
    const kinds = kindsParameter(query);
    const filter = single(query, 'filter');
    const limit = numberParameter(query, 'limit');
    if (count !== undefined) {
      if (count !== 'filter') throw new AssetApiError(400, 'count must be "filter" (count=filter&filter=…)');
      const asOf = single(query, 'asOf');
      if (asOf !== undefined && !isCalendarDate(asOf)) throw new AssetApiError(400, `asOf must be a date YYYY-MM-DD, got ${JSON.stringify(asOf.slice(0, 40))}`);
      return {
        count: await answer(async () => {
          let matches = await store.countMatching(filter ?? '', { bbox, kinds });
          // The hidden buildings that meet the filter are left out, a page of IDs at a time.
          if (asOf !== undefined && hiddenAsOf && matches > 0) {
            for await (const ids of hiddenAsOf(asOf, MAXIMUM_ID_PAGE)) matches -= await store.countMatching(filter ?? '', { bbox, kinds, ids });
          }
          return matches;
        }),
      };
    }
    const asked = [q !== undefined, bbox !== undefined, radius !== undefined].filter(Boolean).length;
    if (asked !== 1) throw new AssetApiError(400, 'give one of q (search), bbox=west,south,east,north, or lon, lat and radius (metres)');
    if (q !== undefined) {
      const offset = numberParameter(query, 'offset') ?? 0;
      const page = await answer(() => store.search(q, { limit, offset }));
      const size = limit ?? page.assets.length;
      const next = page.truncated ? `/api/assets?${new URLSearchParams({ q, limit: String(size), offset: String(offset + size) })}` : undefined;
      return { assets: page.assets, ...(next ? { next } : {}) };
    }
    if (bbox !== undefined) return answer(() => store.withinBbox(bbox, { kinds, filter, limit }));
    const lon = numberParameter(query, 'lon');
    const lat = numberParameter(query, 'lat');
    if (lon === undefined || lat === undefined) throw new AssetApiError(400, 'give lon and lat (degrees) with radius');
    return answer(() => store.withinRadius(lon, lat, radius!, { kinds, filter, limit }));
  });

  app.get('/api/assets/:id', DATA_ROUTE, async (request) => {
    const { id } = request.params as { id: string };
    const asset = await store.get(id);
    if (!asset) throw new AssetApiError(404, `no asset ${JSON.stringify(id)}`);
    return asset;
  });
}
