import { useServices } from '../context.ts';
import { SignInForm } from '../monitoring/SignInForm.tsx';
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
  if (!origin) return null;
  const sameAsMonitoring = monitoring()?.client.origin === origin;
  return (
    <SignInForm
      origin={origin}
      operator={operator}
      text={t}
      testIdPrefix="case-operator"
      formTestId="case-sign-in"
      signedInTestId="case-operator"
      submitTestId="case-sign-in-submit"
      onSignIn={(signedIn) => {
        store.getState().setCaseOperator(signedIn);
        if (sameAsMonitoring) store.getState().setOperator(signedIn);
      }}
      onSignOut={() => {
        store.getState().setCaseOperator(undefined);
        if (store.getState().operator?.origin === origin) store.getState().setOperator(undefined);
      }}
    />
  );
}
