/**
 * Loads the network document of the pipelines layer (once, when the underground view or an
 * analysis first needs it) into the store. A layer without a `network` URL has no analyses.
 */
import { readNetworkDocument } from '../domain/network-document.ts';
import { loadedNetwork } from '../store/analysis.ts';
import type { AppStore } from '../store/index.ts';

export async function ensureNetwork(store: AppStore): Promise<void> {
  const state = store.getState();
  if (state.network.status === 'loading' || state.network.status === 'ready') return;
  const layer = state.layers.find((l) => l.config.kind === 'pipelines' && l.config.network);
  if (!layer?.config.network) {
    state.setNetworkState({ status: 'error', error: 'no pipelines layer with a network document in the config' });
    return;
  }
  const url = layer.config.network;
  state.setNetworkState({ status: 'loading' });
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const network = readNetworkDocument(await response.json());
    store.getState().setNetworkState({ status: 'ready', network: loadedNetwork(network) });
  } catch (error) {
    store.getState().setNetworkState({ status: 'error', error: `${url}: ${error instanceof Error ? error.message : String(error)}` });
  }
}
