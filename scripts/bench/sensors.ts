/**
 * Sensors at city scale for `npm run bench` (BENCH_ONLY=sensors): 85,000 sensors (BENCH_SENSORS),
 * the simulator's city layout (the demo district and copies of it in patches 6 km apart over some
 * 38 km, Hefei-sized), seeded into a monitoring server of its own.
 *  - Start: bytes from the monitoring server to the page (as sent: compressed when it compressed)
 *    and the time from navigation until the sensors are in the store and the clusters count them
 *    all, with the compact SensorIndex, against the old load of expanded Things (the same viewer
 *    with SensorIndex answering 404, so it falls back to that load).
 *  - The stream under the simulator at 85,000 sensors a reading each every 60 s: SSE bytes per
 *    client per minute with the view the viewer set on the demo district, against a client with
 *    no view (every reading: the old stream), over BENCH_SENSOR_MINUTES simulated minutes
 *    (default 10: two state refresh rounds); and the minute of a storm burst (every drainage sensor
 *    into overflow at once).
 */
import type { Browser, Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTRICT_CENTRE, generateDistrict } from '../../src/demo/district.ts';
import { generateNetwork } from '../../src/demo/network.ts';
import { StreamClient, type StreamClientView } from '../../src/monitoring/stream-client.ts';
import { MonitoringDatabase } from '../../src/server/sensorthings/database.ts';
import { defaultThresholdRules } from '../../src/server/sensorthings/index.ts';
import { randomPort, startMonitoringProcess } from '../../src/server/sensorthings/testing/server-process.ts';
import { seedSensors } from '../../src/simulator/seed.ts';
import { LifelineSimulator } from '../../src/simulator/simulator.ts';
import { citySites, planSites } from '../../src/simulator/sites.ts';

const KEY = 'bench-sensors-key';

export interface StartMeasure {
  /** Bytes of the monitoring server's responses (body and headers, as sent), the stream aside. */
  bytes: number;
  /** Bytes after decompression. */
  decodedBytes: number;
  requests: number;
  /** Navigation → every sensor in the store and counted by the clusters. */
  sensorsShownMilliseconds: number;
}

export interface SensorBenchResult {
  sensors: number;
  compact: StartMeasure;
  expanded: StartMeasure | { error: string };
  /** The view the viewer set (its sensors' share of the city). */
  view: [number, number, number, number];
  sensorsInView: number;
  minutes: number;
  viewBytesPerMinute: number;
  allBytesPerMinute: number;
  burstViewBytes: number;
  burstAllBytes: number;
  burstDrainageSensors: number;
}

/** The demo district from above, as the e2e spec opens it. */
const VIEW = `${DISTRICT_CENTRE.lonDegrees},${DISTRICT_CENTRE.latDegrees - 0.02},2500,0,-50`;

async function measureStart(browser: Browser, viewerBase: string, base: string, sensors: number, expanded: boolean): Promise<StartMeasure & { view: [number, number, number, number] }> {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    // tsx (esbuild) wraps named functions inside evaluated callbacks in a __name helper the page lacks.
    await page.addInitScript('window.__name = (f) => f;');
    if (expanded) await page.route('**/SensorIndex', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"code":404}' }));
    const sizes: Promise<{ bytes: number; decoded: number }>[] = [];
    page.on('requestfinished', (request) => {
      if (!request.url().startsWith(base) || request.url().includes('/Stream')) return;
      sizes.push(Promise.all([request.sizes(), request.response().then((r) => r?.body().then((b) => b.length).catch(() => 0) ?? 0)]).then(([s, decoded]) => ({ bytes: s.responseBodySize + s.responseHeadersSize, decoded })));
    });
    await page.goto(`${viewerBase}/?monitoring=${encodeURIComponent(base)}&view=${VIEW}`);
    await page.getByTestId('monitoring-link-connect').click({ timeout: 120_000 });
    await page.waitForFunction(
      (n) => {
        const twin = window.__cimTwin;
        if (twin?.store.getState().sensors.size !== n) return false;
        // Shown: the clusters count every sensor of the clustered box (the view, widened).
        const overlay = twin.engine()?.sensors;
        const scope = overlay?.clusterScope();
        if (!overlay || !scope) return false;
        const [west, south, east, north] = scope.box;
        let inBox = 0;
        for (const r of twin.store.getState().sensors.values()) if (r.lonDegrees >= west && r.lonDegrees <= east && r.latDegrees >= south && r.latDegrees <= north) inBox++;
        return scope.sensors === inBox && overlay.clusteredTotal() === inBox;
      },
      sensors,
      { timeout: 900_000, polling: 100 },
    );
    const sensorsShownMilliseconds = await page.evaluate(() => performance.now());
    const measured = await Promise.all(sizes);
    const view = (await page.evaluate(() => window.__cimTwin!.store.getState().sensorView))!;
    return { bytes: measured.reduce((a, b) => a + b.bytes, 0), decodedBytes: measured.reduce((a, b) => a + b.decoded, 0), requests: measured.length, sensorsShownMilliseconds, view };
  } finally {
    await page.close();
  }
}

/** A stream client counting the bytes it is sent. */
function countingClient(url: string, view: StreamClientView | undefined): { client: StreamClient; bytes: () => number; observations: () => number } {
  let bytes = 0;
  let observations = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body || !String(input).includes('/Stream?') && !String(input).endsWith('/Stream')) return response;
    const counted = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, controller) => { bytes += chunk.byteLength; controller.enqueue(chunk); } }));
    return new Response(counted, { status: response.status, headers: response.headers });
  };
  const client = new StreamClient({ url, view, fetch: counting, onUpdate: (u) => (observations += u.observations.length + (u.states?.length ?? 0)) });
  client.start();
  return { client, bytes: () => bytes, observations: () => observations };
}

async function until(condition: () => boolean, what: string, timeoutMilliseconds = 600_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`bench sensors: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function benchSensors(browser: Browser, viewerBase: string, sensors = Number(process.env.BENCH_SENSORS ?? 85_000), minutes = Number(process.env.BENCH_SENSOR_MINUTES ?? 10)): Promise<SensorBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-bench-sensors-'));
  const databasePath = join(directory, 'monitoring.sqlite');
  const district = generateDistrict();
  const network = generateNetwork(district);
  const sites = citySites(planSites(district, network), sensors);
  process.stderr.write(`sensors: seeding ${sensors.toLocaleString('en')} …\n`);
  const startMs = Date.now() - 60_000;
  const database = new MonitoringDatabase({ path: databasePath, rules: defaultThresholdRules() });
  seedSensors(database, sites, { readingAtMs: startMs });
  database.close();
  const port = randomPort();
  const base = `http://127.0.0.1:${port}/v1.1`;
  const server = await startMonitoringProcess(databasePath, port, KEY, { corsOrigins: [viewerBase] });
  const clients: StreamClient[] = [];
  try {
    process.stderr.write('sensors: start with the compact index …\n');
    const compact = await measureStart(browser, viewerBase, base, sensors, false);
    process.stderr.write('sensors: start with expanded Things (the old load) …\n');
    const expanded = await measureStart(browser, viewerBase, base, sensors, true).catch((error: unknown) => ({ error: String(error).slice(0, 200) }));
    const view = compact.view;
    const sensorsInView = sites.filter((s) => s.lonDegrees >= view[0] && s.lonDegrees <= view[2] && s.latDegrees >= view[1] && s.latDegrees <= view[3]).length;

    process.stderr.write(`sensors: the stream over ${minutes} simulated minutes of ${sensors.toLocaleString('en')} readings each …\n`);
    const withView = countingClient(`${base}/Stream`, { bbox: view });
    const everything = countingClient(`${base}/Stream`, undefined);
    clients.push(withView.client, everything.client);
    await until(() => withView.client.viewInEffect && everything.client.state === 'live', 'the stream clients');
    const simulator = new LifelineSimulator({ baseUrl: base, apiKey: KEY, sites, network, intervalMilliseconds: 60_000 });
    await simulator.bootstrap();
    let minute = 0;
    // Simulated minutes after the seeded reading, a tick each (as fast as the server takes them).
    simulator.now = () => startMs + (minute + 1) * 60_000;
    const delivered = (c: { observations: () => number }) => c.observations();
    const tick = async () => {
      const before = delivered(everything);
      await simulator.tick();
      await until(() => delivered(everything) >= before + sensors, 'a minute of readings on the stream');
      minute++;
    };
    const startBytes = { view: withView.bytes(), all: everything.bytes() };
    for (let i = 0; i < minutes; i++) await tick();
    const viewBytesPerMinute = (withView.bytes() - startBytes.view) / minutes;
    const allBytesPerMinute = (everything.bytes() - startBytes.all) / minutes;
    const burstStart = { view: withView.bytes(), all: everything.bytes() };
    const burstDrainageSensors = simulator.burst(5 * 60_000);
    await tick();
    return {
      sensors,
      compact,
      expanded,
      view,
      sensorsInView,
      minutes,
      viewBytesPerMinute,
      allBytesPerMinute,
      burstViewBytes: withView.bytes() - burstStart.view,
      burstAllBytes: everything.bytes() - burstStart.all,
      burstDrainageSensors,
    };
  } finally {
    for (const client of clients) client.stop();
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(2)} MB`;

export function sensorLines(r: SensorBenchResult): string[] {
  const lines = ['', `Sensors at city scale: ${r.sensors.toLocaleString('en')} sensors over a Hefei-sized area (demo district + copies in 6 km patches, ~38 km across), one reading each every 60 s (target: start ≤ 5 MB)`, ''];
  lines.push('| start | bytes to the page (as sent) | decoded | requests | navigation → sensors shown (clustered) |', '|---|---:|---:|---:|---:|');
  const row = (label: string, m: StartMeasure | { error: string }) =>
    lines.push('error' in m ? `| ${label} | — | — | — | ${m.error} |` : `| ${label} | ${megabytes(m.bytes)} | ${megabytes(m.decodedBytes)} | ${m.requests} | ${(m.sensorsShownMilliseconds / 1000).toFixed(1)} s |`);
  row('compact SensorIndex (gzip)', r.compact);
  row('expanded Things (old)', r.expanded);
  lines.push('', `SSE bytes per client per minute (mean of ${r.minutes} simulated minutes; view on the demo district: ${r.sensorsInView.toLocaleString('en')} of ${r.sensors.toLocaleString('en')} sensors; states elsewhere refreshed every 5 min)`, '');
  lines.push('| stream | per minute | storm burst minute (' + r.burstDrainageSensors.toLocaleString('en') + ' drainage sensors into overflow) |', '|---|---:|---:|');
  lines.push(`| values in the view, states elsewhere | ${megabytes(r.viewBytesPerMinute)} | ${megabytes(r.burstViewBytes)} |`);
  lines.push(`| every reading (old) | ${megabytes(r.allBytesPerMinute)} | ${megabytes(r.burstAllBytes)} |`);
  lines.push(`| ratio | ${(r.viewBytesPerMinute / r.allBytesPerMinute).toFixed(3)} | ${(r.burstViewBytes / r.burstAllBytes).toFixed(3)} |`);
  return lines;
}
