/**
 * The stage dates of the buildings in view, for the 4D view and the stage theme:
 *
 *   GET /api/lifecycle/dates?bbox=W,S,E,N[&limit=N]
 *     → { dates: { id: { stage: date } }, buildings, truncated, covered? }
 *
 * The building IDs in the bbox come from the asset store (the tilers' --assets; kind "building"),
 * at most `limit` of them (default 5,000, at most 10,000). When the box holds more (a view
 * zoomed out over a city), `truncated` is true and the box is halved around its centre, up to
 * four times, until it holds no more than `limit`: `covered` is that box, every building in it
 * has its dates (the middle of the view, drawn in most detail). If even the smallest holds more,
 * the answer has its first `limit` by ID and no `covered`. Their dates come from the lifecycle
 * store's digests by primary key. Buildings without a record are left out (the viewer shows them as built). A bbox that is
 * not W,S,E,N degrees, spans more than 0.5° either way, or a limit past 10,000 is a 400 with a
 * message. A data route (access.ts), like the other lifecycle reads.
 */
import type { FastifyInstance } from 'fastify';
import { AssetQueryError, checkBbox, type Bbox } from '../../domain/assets.ts';
import { DATA_ROUTE } from '../access.ts';
import { MAXIMUM_ID_PAGE, type AssetStore } from '../assets/asset-store.ts';
import type { LifecycleStore } from './lifecycle-store.ts';

/** Buildings whose dates one answer carries by default. */
export const DATES_DEFAULT_LIMIT = 5_000;
/** Widest bbox, degrees of longitude and of latitude (about 50 km): a view, not a province. */
export const DATES_MAXIMUM_SPAN_DEGREES = 0.5;

export interface LifecycleDatesAnswer {
  /** Stage dates of the buildings in the box that have a record. */
  dates: Record<string, Record<string, string>>;
  /** Buildings of the asset store in the box that were looked up. */
  buildings: number;
  /** More buildings lie in the box than `limit`. */
  truncated: boolean;
  /** When truncated: the box around the centre whose buildings all were looked up. */
  covered?: Bbox;
}

/** Times a box that holds too many buildings is halved around its centre. */
const SHRINK_STEPS = 4;

function halved([west, south, east, north]: Bbox): Bbox {
  const lon = (west + east) / 2;
  const lat = (south + north) / 2;
  const halfWidth = (east - west) / 4;
  const halfHeight = (north - south) / 4;
  return [lon - halfWidth, lat - halfHeight, lon + halfWidth, lat + halfHeight];
}

/**
 * The IDs of the buildings in the box; when it holds more than `limit`, those of the largest
 * box around its centre (halved up to SHRINK_STEPS times) that holds no more.
 */
export async function buildingsInView(assets: AssetStore, bbox: Bbox, limit: number): Promise<{ ids: string[]; truncated: boolean; covered?: Bbox }> {
  const whole = await assets.idsWithinBbox(bbox, { kinds: ['building'], limit });
  if (!whole.truncated) return whole;
  let box = bbox;
  for (let step = 0; step < SHRINK_STEPS; step++) {
    box = halved(box);
    const inner = await assets.idsWithinBbox(box, { kinds: ['building'], limit });
    if (!inner.truncated) return { ids: inner.ids, truncated: true, covered: box };
  }
  return whole;
}

class DatesError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

function parseBbox(text: unknown): Bbox {
  if (typeof text !== 'string') throw new DatesError(400, 'give bbox=west,south,east,north (degrees), once');
  const parts = text.split(',');
  const numbers = parts.map((part) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(part) ? Number(part) : Number.NaN));
  try {
    const bbox = checkBbox(numbers);
    const [west, south, east, north] = bbox;
    if (east - west > DATES_MAXIMUM_SPAN_DEGREES || north - south > DATES_MAXIMUM_SPAN_DEGREES) {
      throw new DatesError(400, `bbox ${text} is too large: at most ${DATES_MAXIMUM_SPAN_DEGREES}° of longitude and of latitude (the view, not the city)`);
    }
    return bbox;
  } catch (error) {
    if (error instanceof AssetQueryError) throw new DatesError(400, error.message);
    throw error;
  }
}


export function registerLifecycleDates(app: FastifyInstance, options: { store: LifecycleStore; assets: AssetStore }): void {
  const { store, assets } = options;
  app.get('/api/lifecycle/dates', DATA_ROUTE, async (request) => {
    const query = request.query as Record<string, unknown>;
    const bbox = parseBbox(query.bbox);
    const limit = query.limit === undefined ? DATES_DEFAULT_LIMIT : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAXIMUM_ID_PAGE) throw new DatesError(400, `limit: must be a whole number from 1 to ${MAXIMUM_ID_PAGE}`);
    const { ids, truncated, covered } = await buildingsInView(assets, bbox, limit);
    const answer: LifecycleDatesAnswer = { dates: await store.datesOf(ids), buildings: ids.length, truncated };
    if (covered) answer.covered = covered;
    return answer;
  });
}
