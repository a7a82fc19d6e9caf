import { useState } from 'react';
import type { IncidentDocument } from '../../monitoring/types.ts';
import type { SensorThingsClient } from '../../monitoring/rest-client.ts';
import type { Operator } from '../../store/monitoring.ts';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';
import { errorText } from '../../domain/error-text.ts';

/**
 * A write about an incident by the operator on duty (an action or an emergency-log entry): busy
 * while it runs, the answer put in the store, a failure shown in words. `run` resolves to whether
 * it was written; nothing is sent without a monitoring connection and an operator.
 */
export function useIncidentWrite(): { busy: boolean; error?: string; run(write: (client: SensorThingsClient, operator: Operator) => Promise<IncidentDocument>): Promise<boolean> } {
  const m = useMonitoringDictionary();
  const services = useServices();
  const operator = useApp((s) => s.operator);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (write: (client: SensorThingsClient, operator: Operator) => Promise<IncidentDocument>) => {
    const service = services.monitoring();
    // The operator's key is for one server: nothing is written with it anywhere else.
    if (!service || !operator || operator.origin !== service.client.origin) return false;
    setBusy(true);
    setError(undefined);
    try {
      services.store.getState().upsertIncidents([await write(service.client, operator)]);
      return true;
    } catch (caught) {
      setError(`${m.actionFailed}: ${errorText(caught)}`);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
