/**
 * What the case views share: the case API's base and origin, the operator whose key may be sent
 * there (the monitoring sign-in when it is the same origin, else the one signed in for the case
 * API; both kept by operator-keys.ts, per tab and per origin), the last grid code used in this
 * tab, opening a case, and the day's statistics.
 */
import { useEffect, useState } from 'react';
import { caseApiOrigin, caseStatistics, getCase } from '../../api/cases.ts';
import { errorText } from '../../domain/error-text.ts';
import type { CaseDailyStatistics } from '../../domain/cases/cases.ts';
import type { Operator } from '../../store/monitoring.ts';
import { useApp, useServices, type AppServices } from '../context.ts';
import { caseDictionaries, type CaseDictionary } from './i18n.ts';

export function useCaseDictionary(): CaseDictionary {
  return caseDictionaries[useApp((s) => s.language)];
}

/** The case API (the same …/api base as the asset API), its origin, and the operator for it. */
export function useCaseApi(): { base?: string; origin?: string; operator?: Operator } {
  const services = useServices();
  const monitoringOperator = useApp((s) => s.operator);
  const caseOperator = useApp((s) => s.caseOperator);
  const base = services.assetsApiUrl();
  const origin = base ? caseApiOrigin(base) : undefined;
  const operator = origin === undefined ? undefined : monitoringOperator?.origin === origin ? monitoringOperator : caseOperator?.origin === origin ? caseOperator : undefined;
  return { base, origin, operator };
}

const LAST_GRID_KEY = 'cim-twin.case-grid';

/** The grid code last typed in this tab (else the server places a case by its location). */
export function lastGridCode(): string {
  try {
    return sessionStorage.getItem(LAST_GRID_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberGridCode(code: string): void {
  try {
    sessionStorage.setItem(LAST_GRID_KEY, code);
  } catch {
    // storage may be unavailable
  }
}

/** Select a case, read it with its log, and (when `fly`) go to its place. */
export async function openCase(services: AppServices, id: string, options: { fly?: boolean } = {}): Promise<void> {
  const { store } = services;
  store.getState().selectCase(id);
  const known = store.getState().selectedCase;
  if (options.fly && known) void services.engine()?.flyToPosition(known.lon, known.lat, 40);
  const base = services.assetsApiUrl();
  if (!base) return;
  try {
    const document = await getCase(base, id);
    if (store.getState().selectedCaseId !== id) return;
    store.getState().upsertCase(document);
    if (options.fly && !known) void services.engine()?.flyToPosition(document.lon, document.lat, 40);
  } catch (error) {
    if (store.getState().selectedCaseId === id) store.getState().addMessage(`${id}: ${errorText(error)}`);
  }
}

/** Time in Beijing (UTC+8), e.g. 12-06 09:41. */
export function beijingTime(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(100 * rate).toFixed(1)}%`;
}

const STATISTICS_REFRESH_MS = 60_000;

/** Today's case statistics from the API, read every minute and after every write (the list's revision). */
export function useCaseStatistics(): { statistics?: CaseDailyStatistics; failed: boolean; available: boolean } {
  const services = useServices();
  const base = services.assetsApiUrl();
  const revision = useApp((s) => s.caseListRevision);
  const statistics = useApp((s) => s.caseStatistics);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!base) return;
    let cancelled = false;
    const load = async () => {
      try {
        const figures = await caseStatistics(base);
        if (cancelled) return;
        services.store.getState().setCaseStatistics(figures);
        setFailed(false);
      } catch {
        if (!cancelled) setFailed(true);
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), STATISTICS_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [base, revision, services]);
  return { statistics, failed, available: base !== undefined };
}
