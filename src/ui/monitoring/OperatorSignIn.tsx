import { useState } from 'react';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';

const STORAGE_KEY = 'cim-twin.operator';

/** The operator on duty, kept for this browser tab only (sessionStorage): name and write key. */
export function restoreOperator(): { name: string; apiKey: string } | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as { name?: unknown; apiKey?: unknown } | null;
    return saved && typeof saved.name === 'string' && typeof saved.apiKey === 'string' ? { name: saved.name, apiKey: saved.apiKey } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Actions on incidents are writes, and writes need a key. No key is built into the viewer: the
 * operator on duty enters theirs, and it is kept for this tab only.
 */
export function OperatorSignIn() {
  const m = useMonitoringDictionary();
  const { store } = useServices();
  const operator = useApp((s) => s.operator);
  const [name, setName] = useState('');
  const [apiKey, setApiKey] = useState('');
  if (operator) {
    return (
      <p className="operator">
        {m.operator}: <strong>{operator.name}</strong>{' '}
        <button type="button" className="link" onClick={() => {
          sessionStorage.removeItem(STORAGE_KEY);
          store.getState().setOperator(undefined);
        }}>
          {m.signOut}
        </button>
      </p>
    );
  }
  return (
    <form
      className="operator-sign-in"
      data-testid="operator-sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim() || !apiKey.trim()) return;
        const signedIn = { name: name.trim(), apiKey: apiKey.trim() };
        try {
          sessionStorage.setItem(STORAGE_KEY, JSON.stringify(signedIn));
        } catch {
          // storage may be unavailable; the operator stays signed in until reload
        }
        store.getState().setOperator(signedIn);
      }}
    >
      <p className="muted small">{m.signInHint}</p>
      <input aria-label={m.operatorName} placeholder={m.operatorName} value={name} onChange={(e) => setName(e.target.value)} data-testid="operator-name" />
      <input aria-label={m.apiKey} placeholder={m.apiKey} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} data-testid="operator-key" autoComplete="off" />
      <button type="submit">{m.signIn}</button>
    </form>
  );
}
