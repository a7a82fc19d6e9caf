/** Loads every building's stage dates once from the lifecycle API (/lifecycle/summary) into the store. */
import { LIFECYCLE_STAGES } from '../../domain/lifecycle/lifecycle.ts';
import type { AppStore } from '../../store/index.ts';
import { lifecycleDatesFromSummary } from '../../store/thematic.ts';

const loading = new WeakMap<AppStore, string>();

export function ensureLifecycleDates(store: AppStore, apiUrl: string): void {
  if (store.getState().lifecycleDates || loading.get(store) === apiUrl) return;
  loading.set(store, apiUrl);
  fetch(`${apiUrl}/lifecycle/summary`, { cache: 'no-store' })
    .then(async (response) => {
      if (!response.ok) throw new Error(`${apiUrl}/lifecycle/summary: HTTP ${response.status}`);
      const summary = (await response.json()) as Record<string, Record<string, string>>;
      store.getState().setLifecycleDates(lifecycleDatesFromSummary(summary, LIFECYCLE_STAGES));
    })
    .catch((error: unknown) => {
      loading.delete(store);
      store.getState().setLifecycleDates(undefined, error instanceof Error ? error.message : String(error));
    });
}
