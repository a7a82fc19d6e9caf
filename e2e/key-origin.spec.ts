/**
 * The operator's key and the origin it was entered for (issue 20 §4): after signing in on one
 * monitoring server, a link naming another (`?monitoring=<other>&incident=1`) asks before the
 * viewer connects, requests nothing from it until confirmed, and never sends it the key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTRICT_CENTRE } from '../src/demo/district.ts';
import { randomPort, startMonitoringProcess } from '../src/server/sensorthings/testing/server-process.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { expect, openMonitoringLink, test, waitForReady } from './fixtures.ts';

/** An HTTP proxy in front of a server that records every request's method, path and headers. */
async function recordingProxy(targetPort: number): Promise<{ port: number; requests: { method: string; url: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    requests.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: { ...incoming.headers } });
    const forwarded = httpRequest({ host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  const port = randomPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('a key entered for one monitoring server is never sent to another that a link names; that one is asked about first and gets nothing until confirmed', async ({ page, monitoringServer }) => {
  // Server A: where the operator signs in (a link confirmed once, as the test servers are not in the config).
  await monitoringServer.post('Things', thingPayload('A-MANHOLE-1', 'methane', DISTRICT_CENTRE.lonDegrees, DISTRICT_CENTRE.latDegrees));
  await monitoringServer.post('Datastreams(1)/Observations', { result: 55 });

  // Server B, another origin, with an incident of its own, behind a proxy that records headers.
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-other-'));
  const otherPort = randomPort();
  const otherKey = 'e2e-other-server-key';
  const other = await startMonitoringProcess(join(directory, 'monitoring.sqlite'), otherPort, otherKey);
  const proxy = await recordingProxy(otherPort);
  try {
    const post = (path: string, body: unknown) => fetch(`http://127.0.0.1:${otherPort}/v1.1/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': otherKey }, body: JSON.stringify(body) });
    expect((await post('Things', thingPayload('B-MANHOLE-9', 'methane', DISTRICT_CENTRE.lonDegrees + 0.001, DISTRICT_CENTRE.latDegrees))).status).toBe(201);
    expect((await post('Datastreams(1)/Observations', { result: 55 })).status).toBe(201);
    const otherBase = `http://127.0.0.1:${proxy.port}/v1.1`;

    // Signed in on A, the key works there: the acknowledgement is written.
    await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(monitoringServer.base)}&incident=1`);
    await expect(page.getByTestId('incident-panel')).toContainText('A-MANHOLE-1');
    await page.getByTestId('operator-name').fill('值班员 王工');
    await page.getByTestId('operator-key').fill(monitoringServer.key);
    await page.getByTestId('operator-sign-in').getByRole('button').click();
    await page.getByTestId('incident-acknowledge').click();
    await expect.poll(async () => (await monitoringServer.get<{ status: string }>('Incidents(1)')).status).toBe('acknowledged');

    // The same tab opens a link to B. Until the user answers, nothing is asked of B.
    await page.goto(`/?monitoring=${encodeURIComponent(otherBase)}&incident=1`);
    await waitForReady(page);
    const prompt = page.getByTestId('monitoring-link-confirm');
    await expect(prompt).toBeVisible();
    await expect(page.getByTestId('monitoring-link-url')).toHaveText(otherBase);
    await expect(page.getByTestId('connection-state')).toHaveCount(0);
    expect(proxy.requests, 'requests to the linked server before confirmation').toEqual([]);

    // Confirmed: B's incident opens, with a sign-in for B, not A's operator and key.
    await page.getByTestId('monitoring-link-connect').click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('incident-panel')).toContainText('B-MANHOLE-9');
    await expect(page.getByTestId('operator-sign-in')).toHaveAttribute('data-origin', `http://127.0.0.1:${proxy.port}`);
    await expect(page.getByTestId('incident-acknowledge')).toHaveCount(0);
    expect(proxy.requests.length).toBeGreaterThan(0);
    const keyed = proxy.requests.filter((r) => r.headers['x-api-key'] !== undefined || /x-api-key/i.test(String(r.headers['access-control-request-headers'] ?? '')));
    expect(keyed, 'requests to the linked server that carried (or asked to carry) an X-API-Key').toEqual([]);
    expect(JSON.stringify(proxy.requests)).not.toContain(monitoringServer.key);

    // Declining another time: no connection, nothing asked of B.
    const before = proxy.requests.length;
    await page.goto(`/?monitoring=${encodeURIComponent(otherBase)}&incident=1`);
    await page.getByTestId('monitoring-link-decline').click();
    await waitForReady(page);
    await expect(page.getByTestId('connection-state')).toHaveCount(0);
    expect(proxy.requests.length).toBe(before);

    // Back on A, the operator is still signed in there.
    await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(monitoringServer.base)}&incident=1`);
    await expect(page.getByTestId('incident-panel')).toContainText('A-MANHOLE-1');
    await expect(page.getByTestId('incident-panel')).toContainText('值班员 王工');
  } finally {
    await proxy.close();
    other.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
