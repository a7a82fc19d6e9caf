/**
 * A worker thread that loads the building tiler's buildings into an asset store, so the tiler's
 * own thread only hands tile jobs to its workers (see loadInWorker in loader.ts). It reads the
 * tiler's spilled records itself (BuildingRecords), opens the store on a connection of its own,
 * and runs the same replaceDataset as a load on the tiler's thread. Messages:
 *   in:  { type: 'tilesWritten' } | { type: 'tilingFailed', message }
 *   out: { type: 'loaded', loaded } | { type: 'failed', name, message }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildingRecordAssets, type BuildingRecords } from '../../tiling/assets.ts';
import { openAssetStore, type AssetStore } from './asset-store.ts';

export interface LoadWorkerData {
  location: string;
  dataset: string;
  source: BuildingRecords;
}

export type LoadWorkerRequest = { type: 'tilesWritten' } | { type: 'tilingFailed'; message: string };
export type LoadWorkerReply = { type: 'loaded'; loaded: number } | { type: 'failed'; name: string; message: string };

const port = parentPort!;
const { location, dataset, source } = workerData as LoadWorkerData;
const tilesWritten = new Promise<void>((resolve, reject) => {
  port.on('message', (request: LoadWorkerRequest) => {
    if (request.type === 'tilesWritten') resolve();
    else reject(new Error(request.message));
  });
});
tilesWritten.catch(() => {});

let reply: LoadWorkerReply;
let store: AssetStore | undefined;
try {
  store = await openAssetStore(location);
  const report = await store.replaceDataset(dataset, buildingRecordAssets(source), { commitAfter: tilesWritten });
  reply = { type: 'loaded', loaded: report.loaded };
} catch (error) {
  reply = { type: 'failed', name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) };
}
// The answer goes after the store is closed: the tiler ends this thread once it has it.
try {
  await store?.close();
} catch {
  // The load itself is committed or rolled back by now; a failed close changes neither.
}
port.postMessage(reply);
port.close();
