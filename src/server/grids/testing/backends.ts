/** The grid store's two backends for its suites (src/server/testing/store-backends.ts); PostgreSQL with PostGIS. */
import { storeBackends, type StoreBackend } from '../../testing/store-backends.ts';
import { openGridStore, type GridStore } from '../grid-store.ts';

export type GridBackend = StoreBackend<GridStore>;

export function gridBackends(suite: string): Promise<GridBackend[]> {
  return storeBackends(suite, { prefix: 'grids', open: openGridStore, extensions: ['postgis'], tables: ['grids', 'grid_store_schema'] });
}
