/**
 * Finding an asset's place by its ID through the asset API (one small request per asset, never a
 * whole-city index): for go-to links, deep links (`?select=`) and panels that need a position.
 */
import { assetHeightMetres, getAsset, type Asset } from '../api/assets.ts';
import type { CityViewer } from '../engine/city-viewer.ts';
import type { AppStore } from '../store/index.ts';

export interface AssetPlace {
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
}

export function placeOf(asset: Asset): AssetPlace {
  return { lonDegrees: asset.position[0], latDegrees: asset.position[1], heightMetres: assetHeightMetres(asset) };
}

/** Where the asset is, or undefined (no API configured, or no such asset). */
export async function assetPlace(apiUrl: string | undefined, id: string): Promise<AssetPlace | undefined> {
  if (!apiUrl) return undefined;
  const asset = await getAsset(apiUrl, id);
  return asset && placeOf(asset);
}

/** Select an asset by its ID and fly to it when the asset API knows where it is. */
export async function goToAsset(services: { store: AppStore; engine: () => CityViewer | undefined; assetsApiUrl: () => string | undefined }, id: string): Promise<void> {
  const { store, engine } = services;
  store.getState().select({ id });
  let place: AssetPlace | undefined;
  try {
    place = await assetPlace(services.assetsApiUrl(), id);
  } catch (error) {
    store.getState().addMessage(`${id}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (place) await engine()?.flyToPosition(place.lonDegrees, place.latDegrees, place.heightMetres);
}
