import { useState } from 'react';
import type { Operator } from '../../store/monitoring.ts';
import { forgetOperator, saveOperator } from './operator-keys.ts';

export interface SignInText {
  operator: string;
  signOut: string;
  signInHint: string;
  signInFor: (origin: string) => string;
  operatorName: string;
  apiKey: string;
  signIn: string;
}

/**
 * The operator's sign-in for one server's origin (the monitoring API, the case API): a name and a
 * key, kept for this tab only and bound to that origin (operator-keys.ts); once signed in, the
 * name with a sign-out link. The callers decide which store fields hold the operator.
 */
export function SignInForm(props: {
  origin: string;
  operator: Operator | undefined;
  text: SignInText;
  /** data-testid prefix of the inputs: "operator" (…-name, …-key) or "case-operator". */
  testIdPrefix: string;
  formTestId: string;
  signedInTestId?: string;
  originTestId?: string;
  submitTestId?: string;
  onSignIn: (operator: Operator) => void;
  onSignOut: () => void;
}) {
  const { origin, operator, text: t } = props;
  const [name, setName] = useState('');
  const [apiKey, setApiKey] = useState('');
  if (operator) {
    return (
      <p className="operator" data-testid={props.signedInTestId}>
        {t.operator}: <strong>{operator.name}</strong>{' '}
        <button type="button" className="link" onClick={() => {
          forgetOperator(origin);
          props.onSignOut();
        }}>
          {t.signOut}
        </button>
      </p>
    );
  }
  return (
    <form
      className="operator-sign-in"
      data-testid={props.formTestId}
      data-origin={origin}
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim() || !apiKey.trim()) return;
        const signedIn = { name: name.trim(), apiKey: apiKey.trim(), origin };
        saveOperator(signedIn);
        props.onSignIn(signedIn);
      }}
    >
      <p className="muted small">{t.signInHint}</p>
      <p className="muted small" data-testid={props.originTestId}>{t.signInFor(origin)}</p>
      <input aria-label={t.operatorName} placeholder={t.operatorName} value={name} onChange={(e) => setName(e.target.value)} data-testid={`${props.testIdPrefix}-name`} />
      <input aria-label={t.apiKey} placeholder={t.apiKey} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} data-testid={`${props.testIdPrefix}-key`} autoComplete="off" />
      <button type="submit" data-testid={props.submitTestId}>{t.signIn}</button>
    </form>
  );
}
