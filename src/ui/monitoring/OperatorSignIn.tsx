import { useApp, useMonitoringDictionary, useServices } from '../context.ts';
import { SignInForm } from './SignInForm.tsx';

/**
 * Actions on incidents are writes, and writes need a key. No key is built into the viewer: the
 * operator on duty enters theirs, for the monitoring server the viewer is connected to. It is
 * kept for this tab only, bound to that server's origin, and sent to no other server.
 */
export function OperatorSignIn() {
  const m = useMonitoringDictionary();
  const { store, monitoring } = useServices();
  const operator = useApp((s) => s.operator);
  const origin = monitoring()?.client.origin;
  if (!origin) return null;
  return (
    <SignInForm
      origin={origin}
      operator={operator?.origin === origin ? operator : undefined}
      text={m}
      testIdPrefix="operator"
      formTestId="operator-sign-in"
      originTestId="operator-origin"
      onSignIn={(signedIn) => store.getState().setOperator(signedIn)}
      onSignOut={() => store.getState().setOperator(undefined)}
    />
  );
}
