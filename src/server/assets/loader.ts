/**
 * The tilers' `--assets <sqlite path | postgres URL>` option: open the store before tiling (a bad
 * location fails before minutes of work), load the dataset all or nothing before the tiles are
 * moved into place, and report failures naming the store (its password masked) and the reason.
 */
import { basename, resolve } from 'node:path';
import { checkDatasetName } from '../../domain/assets.ts';
import { isTiledAssets, type AssetLoader } from '../../tiling/assets.ts';
import { isPostgresLocation, openAssetStore, type AssetStore } from './asset-store.ts';

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

export async function openAssetLoader(location: string, dataset: string): Promise<OpenedAssetLoader> {
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
        // A tiler's assets: the store finishes its work while the tiles are written, and commits after them.
        return (await store.replaceDataset(dataset, assets, { commitAfter: isTiledAssets(assets) ? assets.tilesWritten() : undefined })).loaded;
      } catch (error) {
        throw new AssetStoreError(`asset store ${shown}: loading dataset ${dataset} failed, so no tiles were written and the store keeps its previous assets: ${(error as Error).message}`, { cause: error });
      }
    },
    close: () => store.close(),
  };
}
