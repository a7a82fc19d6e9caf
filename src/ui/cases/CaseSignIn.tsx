import { useState } from 'react';
import { forgetOperator, saveOperator } from '../monitoring/operator-keys.ts';
import { useServices } from '../context.ts';
import { useCaseApi, useCaseDictionary } from './case-api.ts';

/**
 * The operator's sign-in for the case API, kept like the monitoring one (operator-keys.ts: this
 * tab only, bound to the server's origin). When the case API and the monitoring server share an
 * origin (the demo), one sign-in serves both.
 */
export function CaseSignIn() {
  const t = useCaseDictionary();
  const { store, monitoring } = useServices();
  const { origin, operator } = useCaseApi();
  const [name, setName] = useState('');
  const [apiKey, setApiKey] = useState('');
  if (!origin) return null;
  const sameAsMonitoring = monitoring()?.client.origin === origin;
  if (operator) {
    return (
      <p className="operator" data-testid="case-operator">
        {t.operator}: <strong>{operator.name}</strong>{' '}
        <button type="button" className="link" onClick={() => {
          forgetOperator(origin);
          store.getState().setCaseOperator(undefined);
          if (store.getState().operator?.origin === origin) store.getState().setOperator(undefined);
        }}>
          {t.signOut}
        </button>
      </p>
    );
  }
  return (
    <form
      className="operator-sign-in"
      data-testid="case-sign-in"
      data-origin={origin}
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim() || !apiKey.trim()) return;
        const signedIn = { name: name.trim(), apiKey: apiKey.trim(), origin };
        saveOperator(signedIn);
        store.getState().setCaseOperator(signedIn);
        if (sameAsMonitoring) store.getState().setOperator(signedIn);
      }}
    >
      <p className="muted small">{t.signInHint}</p>
      <p className="muted small">{t.signInFor(origin)}</p>
      <input aria-label={t.operatorName} placeholder={t.operatorName} value={name} onChange={(e) => setName(e.target.value)} data-testid="case-operator-name" />
      <input aria-label={t.apiKey} placeholder={t.apiKey} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} data-testid="case-operator-key" autoComplete="off" />
      <button type="submit" data-testid="case-sign-in-submit">{t.signIn}</button>
    </form>
  );
}
