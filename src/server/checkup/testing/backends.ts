/** The check-up store's two backends for its suites (src/server/testing/store-backends.ts). */
import { storeBackends, type StoreBackend } from '../../testing/store-backends.ts';
import { openCheckupStore, type CheckupStore } from '../checkup-store.ts';

export type CheckupBackend = StoreBackend<CheckupStore>;

export function checkupBackends(suite: string): Promise<CheckupBackend[]> {
  return storeBackends(suite, { prefix: 'checkup', open: openCheckupStore, extensions: [], tables: ['checkup_facts', 'checkup_months'] });
}
