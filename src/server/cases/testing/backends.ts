/** The case store's two backends for its suites (src/server/testing/store-backends.ts); PostgreSQL needs no extension. */
import { storeBackends, type StoreBackend } from '../../testing/store-backends.ts';
import { openCaseStore, type CaseStore } from '../case-store.ts';

export type CaseBackend = StoreBackend<CaseStore>;

export function caseBackends(suite: string): Promise<CaseBackend[]> {
  return storeBackends(suite, { prefix: 'cases', open: openCaseStore, extensions: [], tables: ['case_log', 'cases', 'case_store_schema'] });
}
