/** Makes a running test server's next entity read-back fail with `error` (once); counts the attempts. */
import type { TestServer } from './test-server.ts';

export function failNextReadBack(server: TestServer, error: Error): { n: number } {
  const store = server.monitoring.store;
  const original = store.readEntity.bind(store);
  const attempts = { n: 0 };
  store.readEntity = () => {
    attempts.n++;
    store.readEntity = original;
    return Promise.reject(error);
  };
  return attempts;
}
