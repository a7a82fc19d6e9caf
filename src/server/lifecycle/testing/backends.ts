/** The lifecycle store's two backends for its suite (src/server/testing/store-backends.ts); PostgreSQL needs no extension. */
import { storeBackends, type StoreBackend } from '../../testing/store-backends.ts';
import { openLifecycleStore, type LifecycleStore } from '../lifecycle-store.ts';
import { LIFECYCLE_TABLES } from '../postgres-lifecycle-store.ts';

export type LifecycleBackend = StoreBackend<LifecycleStore>;

export function lifecycleBackends(suite: string): Promise<LifecycleBackend[]> {
  return storeBackends(suite, { prefix: 'lifecycle', open: openLifecycleStore, extensions: [], tables: LIFECYCLE_TABLES });
}
