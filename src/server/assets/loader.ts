/**
 * The tilers' `--assets <sqlite path | postgres URL>` option: open the store before tiling (a bad
 * location fails before minutes of work), load the dataset all or nothing before the tiles are
 * moved into place, and report failures naming the store (its password masked) and the reason.
 */
import { basename, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AssetInputError, checkDatasetName } from '../../domain/assets.ts';
import { isTiledAssets, isWorkerReadable, type AssetLoader, type BuildingRecords } from '../../tiling/assets.ts';
import { isPostgresLocation, openAssetStore, type AssetStore } from './asset-store.ts';
import type { LoadWorkerData, LoadWorkerReply, LoadWorkerRequest } from './load-worker.ts';

/** A problem with the asset store of a tiler run; nothing was written. */
export class AssetStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AssetStoreError';
  }
}

/** The location for messages: a URL without its password. */
export function displayLocation(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

/** The dataset a tiler run loads: --dataset, else the output directory's name. */
export function datasetFor(outputDirectory: string, dataset?: string): string {
  const name = dataset ?? basename(resolve(outputDirectory)).toLowerCase();
  try {
    return checkDatasetName(name);
  } catch (error) {
    throw new AssetStoreError(`${(error as Error).message}; ${dataset === undefined ? `it comes from the --out directory's name, give --dataset NAME` : 'check --dataset'}`, { cause: error });
  }
}

export interface OpenedAssetLoader {
  load: AssetLoader;
  dataset: string;
  location: string;
  close(): Promise<void>;
}

/**
 * The worker thread's start: it registers tsx's loader itself (a worker started by code under
 * vitest, or by plain Node, would not read TypeScript), then imports load-worker.ts.
 */
const WORKER_START = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)}); });`;

/**
 * Load the building tiler's buildings on a worker thread with its own connection to the store,
 * so the tiler's thread keeps handing tile jobs to its workers (at a million buildings the load's
 * validation, JSON and inserts on that thread were the tiling's critical path). The worker
 * commits after the tiles are written, and loads nothing if the tiling fails.
 */
async function loadInWorker(location: string, dataset: string, source: BuildingRecords, tilesWritten: Promise<void>): Promise<number> {
  const worker = new Worker(WORKER_START, { eval: true, workerData: { location, dataset, source } satisfies LoadWorkerData });
  const send = (request: LoadWorkerRequest) => worker.postMessage(request);
  tilesWritten.then(() => send({ type: 'tilesWritten' }), (error: unknown) => send({ type: 'tilingFailed', message: (error as Error)?.message ?? String(error) }));
  try {
    const reply = await new Promise<LoadWorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the load's worker thread stopped (exit code ${code}) before it answered`)));
    });
    if (reply.type === 'loaded') return reply.loaded;
    // The tiling's own error, when it failed, is what the tiler throws; this one names the load.
    throw reply.name === 'AssetInputError' ? new AssetInputError(reply.message) : new Error(reply.message);
  } finally {
    await worker.terminate();
  }
}

/**
 * Open the store at `location` for a tiler's loads. The building tiler's buildings load on a
 * worker thread of their own (loadInWorker) unless `worker` is false, or the store is ":memory:"
 * (a worker's connection would open another database).
 */
export async function openAssetLoader(location: string, dataset: string, options: { worker?: boolean } = {}): Promise<OpenedAssetLoader> {
  const shown = displayLocation(location);
  let store: AssetStore;
  try {
    store = await openAssetStore(location);
  } catch (error) {
    throw new AssetStoreError(`asset store ${shown}: cannot open it (${(error as Error).message}); nothing was written`, { cause: error });
  }
  return {
    dataset,
    location: shown,
    async load(assets) {
      try {
        if (options.worker !== false && location !== ':memory:' && isTiledAssets(assets) && isWorkerReadable(assets)) {
          return await loadInWorker(location, dataset, assets.buildingRecords(), assets.tilesWritten());
        }
        // A tiler's assets: the store finishes its work while the tiles are written, and commits after them.
        return (await store.replaceDataset(dataset, assets, { commitAfter: isTiledAssets(assets) ? assets.tilesWritten() : undefined })).loaded;
      } catch (error) {
        throw new AssetStoreError(`asset store ${shown}: loading dataset ${dataset} failed, so no tiles were written and the store keeps its previous assets: ${(error as Error).message}`, { cause: error });
      }
    },
    close: () => store.close(),
  };
}
