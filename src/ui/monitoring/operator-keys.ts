/**
 * The operators signed in in this browser tab (sessionStorage), one per monitoring server origin:
 * a key entered for one server is restored, and sent, only for that server (issue 20 §4).
 */
import type { Operator } from '../../store/monitoring.ts';

const STORAGE_KEY = 'cim-twin.operators';
/** Keys kept before they were bound to an origin: dropped, since nobody knows whose server they are for. */
const UNBOUND_STORAGE_KEY = 'cim-twin.operator';

function readAll(): Record<string, { name: string; apiKey: string }> {
  try {
    sessionStorage.removeItem(UNBOUND_STORAGE_KEY);
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as unknown;
    if (!saved || typeof saved !== 'object') return Object.create(null) as Record<string, { name: string; apiKey: string }>;
    const all = Object.create(null) as Record<string, { name: string; apiKey: string }>;
    for (const [origin, value] of Object.entries(saved as Record<string, unknown>)) {
      const { name, apiKey } = (value ?? {}) as { name?: unknown; apiKey?: unknown };
      if (typeof name === 'string' && typeof apiKey === 'string') all[origin] = { name, apiKey };
    }
    return all;
  } catch {
    return Object.create(null) as Record<string, { name: string; apiKey: string }>;
  }
}

function writeAll(all: Record<string, { name: string; apiKey: string }>): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(all));
  } catch {
    // storage may be unavailable; the operator stays signed in until reload
  }
}

/** The operator signed in for this origin in this tab, if any. */
export function restoreOperator(origin: string): Operator | undefined {
  const saved = readAll()[origin];
  return saved ? { ...saved, origin } : undefined;
}

export function saveOperator(operator: Operator): void {
  writeAll({ ...readAll(), [operator.origin]: { name: operator.name, apiKey: operator.apiKey } });
}

export function forgetOperator(origin: string): void {
  const all = readAll();
  delete all[origin];
  writeAll(all);
}
