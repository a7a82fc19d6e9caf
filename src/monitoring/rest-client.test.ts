import { describe, expect, it } from 'vitest';
import { SensorThingsClient } from './rest-client.ts';

/** A fetch that records what it is asked and answers with an incident. */
function recordingFetch() {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    calls.push({ url, headers: { ...(init?.headers as Record<string, string> | undefined) } });
    return new Response(JSON.stringify({ '@iot.id': 1, value: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { calls, fetcher };
}

describe('SensorThingsClient keys', () => {
  it('sends a key to the server it was entered for', async () => {
    const { calls, fetcher } = recordingFetch();
    const client = new SensorThingsClient('http://127.0.0.1:8080/v1.1', fetcher);
    await client.act(1, 'acknowledge', { name: 'Wang', apiKey: 'k-1', origin: 'http://127.0.0.1:8080' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['X-API-Key']).toBe('k-1');
  });

  it.each([
    ['another host', 'http://other-host/v1.1'],
    ['another port', 'http://127.0.0.1:9090/v1.1'],
    ['another scheme', 'https://127.0.0.1:8080/v1.1'],
  ])('never sends it to %s: nothing is requested', async (_name, baseUrl) => {
    const { calls, fetcher } = recordingFetch();
    const client = new SensorThingsClient(baseUrl, fetcher);
    const operator = { name: 'Wang', apiKey: 'k-1', origin: 'http://127.0.0.1:8080' };
    await expect(client.act(1, 'acknowledge', operator)).rejects.toThrow(/entered for http:\/\/127\.0\.0\.1:8080/);
    await expect(client.log(1, 'note', { note: 'x' }, operator)).rejects.toThrow(/sign in for this server/);
    expect(calls).toEqual([]);
  });

  it("an asset's incident history asks for the exact ID as an OData string literal, whatever its quotes", async () => {
    const { calls, fetcher } = recordingFetch();
    const client = new SensorThingsClient('http://127.0.0.1:8080/v1.1', fetcher);
    await client.incidentsOfAsset(`manhole "A" o'brien`);
    const filter = new URL(calls[0]!.url).searchParams.get('$filter');
    // The literal is the ID's JSON text, with each apostrophe doubled (OData ABNF: SQUOTE-in-string).
    expect(filter).toBe(`contains(assetIds,'"manhole \\"A\\" o''brien"')`);
  });
});
