/**
 * The city's APIs beside the monitoring server, on one Fastify app: the asset store (search,
 * lookup, spatial queries, /api/bim), the network analyses and impact rings, the grids (网格), the
 * cases (案卷) and the city check-up (城市体检). `npm start` registers them with the demo; the
 * stand-alone server (`npm run monitoring`) registers them when it is given an asset database, so
 * that each process of a cluster serves every request (issue 21).
 *
 * The check-up job runs at start, a minute later and every hour. In a cluster (`clusterUrl`, the
 * PostgreSQL database the processes share) it runs in one process only, chosen by the database
 * (cluster/leader.ts), and moves to another when that one dies.
 */
import type { FastifyInstance } from 'fastify';
import { displayLocation } from './assets/loader.ts';
import { openAssetStore, type AssetStore } from './assets/asset-store.ts';
import { registerAssetRoutes, type AssetRoutesOptions } from './assets/routes.ts';
import { registerBimRoutes } from './bim/routes.ts';
import { openCaseStore, type CaseStore } from './cases/case-store.ts';
import { registerCaseRoutes } from './cases/routes.ts';
import { DEFAULT_GRIDS_DATABASE, openGridStore, type GridStore } from './grids/grid-store.ts';
import type { GridInput } from '../domain/grids/grids.ts';
import type { StreamChange } from '../domain/monitoring/api.ts';
import { registerGridRoutes } from './grids/routes.ts';
import { DEFAULT_CHECKUP_DATABASE, openCheckupStore, type CheckupStore } from './checkup/checkup-store.ts';
import { runCheckupJob } from './checkup/job.ts';
import type { LifecycleStore } from './lifecycle/lifecycle-store.ts';
import { registerCheckupRoutes } from './checkup/routes.ts';
import { registerNetworkRoutes } from './network/routes.ts';
import { ClusterLeader } from './cluster/leader.ts';
import type { HealthCheck } from './cluster/health.ts';
import type { MonitoringStore } from './sensorthings/store.ts';

export interface CityApiOptions {
  /** Where the server is reached, for the log lines. */
  origin: string;
  apiKeys: string[];
  /** The asset store: a SQLite path or a postgres:// URL. */
  assetsLocation: string;
  gridsLocation?: string;
  casesLocation?: string;
  checkupLocation?: string;
  /** The buildings the 4D date hides (from the lifecycle records), for the filter counts. */
  hiddenAsOf?: AssetRoutesOptions['hiddenAsOf'];
  /** The lifecycle records (either backend): the grids' inspections due and the check-up's buildings in use. */
  lifecycle?: LifecycleStore;
  /** The monitoring store (either backend): the grids' and the check-up's sensors and incidents. */
  sensors?: MonitoringStore;
  /** Grids to store when the grid store is empty (the demo's). */
  initialGrids?: () => Iterable<GridInput>;
  /** Cases made or moved on: the stream's `change` event (Monitoring.announce). */
  onChange?: (change: StreamChange) => void | Promise<void>;
  /** The cluster's PostgreSQL database: the check-up job runs in one process of the cluster. */
  clusterUrl?: string;
  log?: (line: string) => void;
}

export interface CityApis {
  assets: AssetStore;
  grids: GridStore;
  cases: CaseStore;
  checkup: CheckupStore;
  /** Readiness checks of these stores (/readyz). */
  healthChecks: Record<string, HealthCheck>;
  /** The check-up job's singleton in a cluster. */
  checkupLeader?: ClusterLeader;
}

export async function registerCityApis(app: FastifyInstance, options: CityApiOptions): Promise<CityApis> {
  const log = options.log ?? console.log;
  const { origin, apiKeys } = options;
  const assets = await openAssetStore(options.assetsLocation);
  app.addHook('onClose', () => assets.close());
  registerAssetRoutes(app, { store: assets, hiddenAsOf: options.hiddenAsOf });
  await registerBimRoutes(app, { location: options.assetsLocation }); // /api/bim: what `npm run bim -- … --store` loaded beside the assets
  log(`asset API: ${origin}/api/assets (${displayLocation(options.assetsLocation)}, ${(await assets.count()).toLocaleString('en')} assets)`);

  const gridsLocation = options.gridsLocation ?? DEFAULT_GRIDS_DATABASE;
  const grids = await openGridStore(gridsLocation);
  app.addHook('onClose', () => grids.close());
  if (options.initialGrids && (await grids.count()) === 0) log(`grids: ${await grids.replaceAll(options.initialGrids())} demo grids (streets, communities, unit grids)`);
  const casesLocation = options.casesLocation ?? 'data/cases.sqlite';
  const cases = await openCaseStore(casesLocation);
  app.addHook('onClose', () => cases.close());
  registerCaseRoutes(app, { store: cases, apiKeys, grids, onChange: options.onChange });
  log(`case API (案卷): ${origin}/api/cases (${displayLocation(casesLocation)}, ${(await cases.count()).toLocaleString('en')} cases)`);
  registerGridRoutes(app, { store: grids, cases, assets, lifecycle: options.lifecycle, sensors: options.sensors, apiKeys });
  log(`grid API (网格): ${origin}/api/grids (${displayLocation(gridsLocation)}, ${(await grids.count()).toLocaleString('en')} grids)`);

  const checkupLocation = options.checkupLocation ?? DEFAULT_CHECKUP_DATABASE;
  const checkup = await openCheckupStore(checkupLocation);
  registerCheckupRoutes(app, { store: checkup, grids, apiKeys });
  const checkupSources = { grids, assets, lifecycle: options.lifecycle, sensors: options.sensors, casesLocation };
  const runCheckup = async () => {
    const report = await runCheckupJob(checkup, checkupSources, { nowMs: Date.now() });
    log(`check-up (城市体检): ${report.months.map((m) => m.month).join(', ')} computed in ${report.seconds.toFixed(1)} s (${report.placed.buildings.toLocaleString('en')} buildings, ${report.placed.pipes.toLocaleString('en')} pipes placed in grids)`);
  };
  const checkupFailed = (error: unknown) => log(`check-up: ${(error as Error).message}`);
  let timers: NodeJS.Timeout[] = [];
  const startJob = async (first: Promise<void> | void) => {
    await first;
    timers = [setTimeout(() => void runCheckup().catch(checkupFailed), 60_000), setInterval(() => void runCheckup().catch(checkupFailed), 3_600_000)];
    for (const timer of timers) timer.unref();
  };
  const stopJob = () => {
    for (const timer of timers) clearTimeout(timer);
    timers = [];
  };
  let checkupLeader: ClusterLeader | undefined;
  if (options.clusterUrl) {
    checkupLeader = new ClusterLeader({
      url: options.clusterUrl,
      name: 'checkup-job',
      onElected: () => {
        log('this process now runs the check-up job');
        void startJob(runCheckup().catch(checkupFailed));
      },
      onDeposed: (reason) => {
        log(`check-up job handed on: ${reason}`);
        stopJob();
      },
    });
    await checkupLeader.start();
  } else {
    // In the background, as in a cluster: at a million buildings the job takes half a minute, and the
    // other APIs need not wait for it (the check-up answers 404 "none yet" for a month not yet computed).
    void startJob(runCheckup().catch(checkupFailed));
  }
  app.addHook('onClose', async () => {
    stopJob();
    await checkupLeader?.stop();
    await checkup.close();
  });
  log(`check-up API (城市体检): ${origin}/api/checkup (${displayLocation(checkupLocation)})`);

  // The pipe networks are read from the store once, in the background; /api/network and /api/impact wait for them.
  void registerNetworkRoutes(app, { store: assets })
    .ready()
    .then(
      (n) => log(`network API: ${origin}/api/network (${n.segmentCount.toLocaleString('en')} segments, ${n.summary.seconds.toFixed(1)} s to load)`),
      (error: unknown) => log(`network API: ${(error as Error).message}`),
    );
  return { assets, grids, cases, checkup, checkupLeader, healthChecks: { assetDatabase: () => assets.get('readyz') } };
}
