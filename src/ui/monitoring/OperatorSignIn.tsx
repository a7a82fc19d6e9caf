import { useState } from 'react';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';
import { forgetOperator, saveOperator } from './operator-keys.ts';

/**
 * Actions on incidents are writes, and writes need a key. No key is built into the viewer: the
 * operator on duty enters theirs, for the monitoring server the viewer is connected to. It is
 * kept for this tab only, bound to that server's origin, and sent to no other server.
 */
export function OperatorSignIn() {
  const m = useMonitoringDictionary();
  const { store, monitoring } = useServices();
  const operator = useApp((s) => s.operator);
  const [name, setName] = useState('');
  const [apiKey, setApiKey] = useState('');
  const origin = monitoring()?.client.origin;
  if (!origin) return null;
  if (operator && operator.origin === origin) {
    return (
      <p className="operator">
        {m.operator}: <strong>{operator.name}</strong>{' '}
        <button type="button" className="link" onClick={() => {
          forgetOperator(origin);
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
      data-origin={origin}
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim() || !apiKey.trim()) return;
        const signedIn = { name: name.trim(), apiKey: apiKey.trim(), origin };
        saveOperator(signedIn);
        store.getState().setOperator(signedIn);
      }}
    >
      <p className="muted small">{m.signInHint}</p>
      <p className="muted small" data-testid="operator-origin">{m.signInFor(origin)}</p>
      <input aria-label={m.operatorName} placeholder={m.operatorName} value={name} onChange={(e) => setName(e.target.value)} data-testid="operator-name" />
      <input aria-label={m.apiKey} placeholder={m.apiKey} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} data-testid="operator-key" autoComplete="off" />
      <button type="submit">{m.signIn}</button>
    </form>
  );
}
