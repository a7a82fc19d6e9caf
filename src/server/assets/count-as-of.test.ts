/**
 * The filter count on a 4D date (GET /api/assets?count=filter&asOf=), on both asset-store
 * backends: the buildings the lifecycle records hide on that date (not there yet, demolished) are
 * left out, so the count is what the map shows (the domain's countShown over the same buildings
 * and records).
 */
import { POSTGRES_ASSET_TABLES } from './postgres-asset-store.ts';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetInput } from '../../domain/assets.ts';
import type { BuildingLifecycle, LifecycleStage } from '../../domain/lifecycle/lifecycle.ts';
import { countShown } from '../../domain/thematic/appearance.ts';
import { parseFilter } from '../../domain/thematic/filter.ts';
import type { BuildingAttributes } from '../../domain/thematic/themes.ts';
import { storeLifecycles } from '../lifecycle/routes.ts';
import { buildingsHiddenAsOf } from '../lifecycle/hidden.ts';
import { storeBackends } from '../testing/store-backends.ts';
import { openAssetStore, type AssetStore } from './asset-store.ts';
import { registerAssetRoutes } from './routes.ts';

const USES = ['residential', 'office', 'education'];
const BUILDINGS: AssetInput[] = Array.from({ length: 24 }, (_, i) => ({
  id: `B-${String(i).padStart(2, '0')}`,
  kind: 'building',
  name: `楼${i}`,
  attributes: { use: USES[i % 3], floors: 2 + (i % 9), yearBuilt: 1990 + i },
  geometry: { type: 'Point', coordinates: [117.28 + i * 0.001, 31.86] },
}));
const VALVE: AssetInput = { id: 'V-1', kind: 'valve', geometry: { type: 'Point', coordinates: [117.28, 31.86] } };

const stages = (...pairs: [LifecycleStage, string][]) => pairs.map(([stage, date]) => ({ stage, date }));
/** Records for most buildings, every way a record places a building in time; some have none. */
const RECORDS: BuildingLifecycle[] = BUILDINGS.flatMap((b, i): BuildingLifecycle[] => {
  const kinds = [
    stages(['project-approval', '2010-03-01'], ['construction-permit', '2012-05-01'], ['completion-acceptance', '2014-06-30']),
    stages(['planning-permit', '2016-01-10'], ['construction-permit', '2018-02-01']),
    stages(['completion-acceptance', '2001-09-01'], ['demolition', '2019-12-31']),
    stages(['demolition', '2015-01-01']),
    stages(['renovation', '2011-01-01']),
    [],
  ];
  if (i % 7 === 6) return []; // no record: shown as built
  return [{ buildingId: b.id, stages: kinds[i % kinds.length]!, parties: [], inspections: [] }];
});
const DATES = ['2000-01-01', '2010-03-01', '2013-01-01', '2015-01-01', '2019-12-31', '2026-01-01'];
const FILTERS = ['', 'use=residential', 'floors>=5', 'use!=office;yearBuilt<2005'];

/** What the map shows on a date: the viewer's own rule, over every building and its record. */
function shownOnMap(filter: string, asOfDate: string): number {
  const lifecycleDates = new Map(RECORDS.map((r) => [r.buildingId, r.stages]));
  const attributes = BUILDINGS.map((b) => ({ ...b.attributes, id: b.id }) as BuildingAttributes);
  return countShown({ theme: 'none', filter: parseFilter(filter), asOfDate, lifecycleDates }, attributes).shown;
}

const BACKENDS = await storeBackends('filter count on a date', { prefix: 'count-as-of', open: openAssetStore, extensions: ['postgis', 'pg_trgm'], tables: POSTGRES_ASSET_TABLES, postgresName: 'PostgreSQL + PostGIS' });

describe.each(BACKENDS)('the filter count on a 4D date, on $name', (backend) => {
  let store: AssetStore;
  let app: FastifyInstance;
  const lifecycle = new Database(':memory:');
  const pages: number[] = [];

  beforeAll(async () => {
    if (backend.skipReason) return;
    await backend.setUp();
    ({ store } = await backend.fresh());
    await store.replaceDataset('district', [...BUILDINGS, VALVE]);
    storeLifecycles(lifecycle, RECORDS);
    app = Fastify();
    // Pages of 2 IDs, so a date that hides several buildings takes several pages.
    registerAssetRoutes(app, {
      store,
      *hiddenAsOf(date) {
        for (const ids of buildingsHiddenAsOf(lifecycle, date, 2)) {
          pages.push(ids.length);
          yield ids;
        }
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    if (backend.skipReason) return;
    await app.close();
    await store.close();
    await backend.tearDown();
    lifecycle.close();
  });

  const count = async (query: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url: `/api/assets?${new URLSearchParams({ count: 'filter', kinds: 'building', ...query })}` });
    return { status: response.statusCode, body: response.json() as { count?: number; message?: string } };
  };

  it('leaves out the buildings the date hides, as the map does', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    for (const filter of FILTERS) {
      for (const asOf of DATES) {
        expect((await count({ filter, asOf })).body.count, `${filter} on ${asOf}`).toBe(shownOnMap(filter, asOf));
      }
      // Without a date, every building that meets the filter.
      expect((await count({ filter })).body.count).toBe(countShown({ theme: 'none', filter: parseFilter(filter) }, BUILDINGS.map((b) => ({ ...b.attributes, id: b.id }) as BuildingAttributes)).shown);
    }
    // The dates do hide something, and some counts took more than one page of hidden IDs.
    expect(shownOnMap('', '2000-01-01')).toBeLessThan(shownOnMap('', '2026-01-01'));
    expect(shownOnMap('', '2026-01-01')).toBeLessThan(BUILDINGS.length);
    expect(pages.filter((n) => n === 2).length).toBeGreaterThan(0);
  });

  it('refuses a date that is not YYYY-MM-DD or not a day, with a message', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    for (const asOf of ['2015-02-30', '2015-1-1', "2015-01-01' OR 1=1", '']) {
      const answer = await count({ filter: '', asOf });
      expect(answer.status, asOf).toBe(400);
      expect(answer.body.message).toMatch(/asOf must be a date YYYY-MM-DD/);
    }
  });
});
