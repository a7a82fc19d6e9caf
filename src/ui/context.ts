import { createContext, useContext } from 'react';
import type { CityViewer } from '../engine/city-viewer.ts';
import type { MonitoringService } from '../monitoring/monitoring-service.ts';
import { useAppState, type AppState, type AppStore } from '../store/index.ts';
import { dictionaries, type Dictionary } from './i18n.ts';
import { monitoringDictionaries, type MonitoringDictionary } from './monitoring/i18n.ts';
import { commandDictionaries, type CommandDictionary } from './command/i18n.ts';
import { layerDictionaries, type LayerDictionary } from './layers/i18n.ts';

export interface AppServices {
  store: AppStore;
  /** The engine, once created (undefined before mount and after unmount). */
  engine: () => CityViewer | undefined;
  /** The monitoring connection, once configured. */
  monitoring: () => MonitoringService | undefined;
  /** Base URL of the lifecycle API (…/api), once configured. */
  lifecycleApiUrl: () => string | undefined;
  /** Base URL of the asset and analysis API (…/api: /assets, /network, /impact), once configured. */
  assetsApiUrl: () => string | undefined;
}

export const ServicesContext = createContext<AppServices | undefined>(undefined);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('ServicesContext missing');
  return services;
}

export function useApp<T>(selector: (state: AppState) => T): T {
  return useAppState(useServices().store, selector);
}

export function useDictionary(): Dictionary {
  return dictionaries[useApp((s) => s.language)];
}

export function useMonitoringDictionary(): MonitoringDictionary {
  return monitoringDictionaries[useApp((s) => s.language)];
}

export function useCommandDictionary(): CommandDictionary {
  return commandDictionaries[useApp((s) => s.language)];
}

export function useLayerDictionary(): LayerDictionary {
  return layerDictionaries[useApp((s) => s.language)];
}
