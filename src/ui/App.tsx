import { useEffect, useMemo, useRef, useState } from 'react';
import { CityViewer } from '../engine/city-viewer.ts';
import type { AppState, AppStore } from '../store/index.ts';
import { formatUrlState, type LayerPlacement, type UrlState } from '../store/url-state.ts';
import { formatFilter } from '../domain/thematic/filter.ts';
import { layerFromUrl, loadConfig } from './config.ts';
import { ServicesContext, useApp, useCommandDictionary, useDictionary, useServices, type AppServices } from './context.ts';
import { InfoPanel } from './InfoPanel.tsx';
import { PanelBoundary } from './PanelBoundary.tsx';
import { LayerList } from './LayerList.tsx';
import { SearchBox } from './SearchBox.tsx';
import { assetPlace } from './go-to-asset.ts';
import { openSensorLink } from './sensor-link.ts';
import { AnalysisPanel } from './AnalysisPanel.tsx';
import { AnalysisDrawer } from './AnalysisDrawer.tsx';
import { StatusBar } from './StatusBar.tsx';
import { UndergroundPanel } from './UndergroundPanel.tsx';
import { MonitoringService } from '../monitoring/monitoring-service.ts';
import { ConnectionBanner } from './monitoring/ConnectionBanner.tsx';
import { IncidentList } from './monitoring/IncidentList.tsx';
import { IncidentPanel } from './monitoring/IncidentPanel.tsx';
import { restoreOperator } from './monitoring/operator-keys.ts';
import { monitoringLinkNeedsConfirmation } from './monitoring/monitoring-link.ts';
import { MonitoringLinkConfirm } from './monitoring/MonitoringLinkConfirm.tsx';
import { monitoringDictionaries } from './monitoring/i18n.ts';
import { SensorPanel } from './monitoring/SensorPanel.tsx';
import { ThematicPanel } from './thematic/ThematicPanel.tsx';
import { TimeSlider } from './thematic/TimeSlider.tsx';
import { DisplayShell } from './display/DisplayShell.tsx';
import { CommandSwitch, enterEmergency } from './command/CommandSwitch.tsx';
import { DailyOverview } from './command/DailyOverview.tsx';
import { errorText } from '../domain/error-text.ts';
import { defaultSceneStyle } from '../domain/thematic/scene-style.ts';
import { caseApiOrigin } from '../api/cases.ts';
import { CaseList } from './cases/CaseList.tsx';
import { CasePanel } from './cases/CasePanel.tsx';
import { GridPanel } from './grids/GridPanel.tsx';
import { CheckupPanel } from './checkup/CheckupPanel.tsx';
import { checkupDictionaries } from './checkup/i18n.ts';
import { getGrid } from '../api/grids.ts';
import { MeasureToolbar } from './measure/MeasureToolbar.tsx';
import { SwipeSplit } from './measure/SwipeSplit.tsx';
import { BimPanel } from './bim/BimPanel.tsx';

declare global {
  interface Window {
    /** Test and automation hooks: the store and the engine. */
    __cimTwin?: AppServices;
  }
}

function replaceSearch(state: Parameters<typeof formatUrlState>[0]) {
  const search = formatUrlState(state, window.location.search);
  if (search !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
}

/** The placements of tilesets with no georeference, for the URL. */
function placementsOf(layers: AppState['layers']): LayerPlacement[] {
  return layers.flatMap((l) => (l.placement ? [{ layerId: l.config.id, ...l.placement }] : []));
}

/** Resolves once the initial view is ready (at once if it is). */
function readyOrNow(store: AppStore): Promise<void> {
  if (store.getState().ready) return Promise.resolve();
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe((state) => {
      if (state.ready) {
        unsubscribe();
        resolve();
      }
    });
  });
}

/** Save what the map shows now as a PNG file. */
function exportPng(engine: CityViewer | undefined): void {
  if (!engine) return;
  const link = document.createElement('a');
  const stamp = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  link.download = `cim-twin-${stamp}.png`;
  link.href = engine.snapshot();
  link.click();
}

/** In emergency mode with nothing in focus (no open incident), say so where the incident would be. */
function EmergencyWithoutFocus() {
  const c = useCommandDictionary();
  const mode = useApp((s) => s.commandMode);
  const selected = useApp((s) => s.selectedIncidentId);
  if (mode !== 'emergency' || selected !== undefined) return null;
  return (
    <p className="panel notice" data-testid="emergency-no-focus">
      {c.noOpenIncident}
    </p>
  );
}

function Shell() {
  const t = useDictionary();
  const language = useApp((s) => s.language);
  const commandMode = useApp((s) => s.commandMode);
  const { store, engine } = useServices();
  return (
    <div className="shell">
      <header className="top-bar">
        <h1>{t.appTitle}</h1>
        <PanelBoundary name="SearchBox">
          <SearchBox />
        </PanelBoundary>
        <PanelBoundary name="CommandSwitch">
          <CommandSwitch />
        </PanelBoundary>
        <PanelBoundary name="ConnectionBanner">
          <ConnectionBanner />
        </PanelBoundary>
        <button type="button" className="language" data-testid="open-checkup" onClick={() => store.getState().openCheckup(store.getState().selectedGridCode)}>
          {checkupDictionaries[language].open}
        </button>
        <button type="button" className="language export" data-testid="export-png" title={t.exportPng} onClick={() => exportPng(engine())}>
          {t.exportPng}
        </button>
        <button type="button" className="language" data-testid="language-toggle" onClick={() => store.getState().setLanguage(language === 'zh' ? 'en' : 'zh')}>
          {t.languageToggle}
        </button>
      </header>
      <PanelBoundary name="SwipeSplit">
        <SwipeSplit />
      </PanelBoundary>
      <div className="left-column">
        <PanelBoundary name="LayerList">
          <LayerList />
        </PanelBoundary>
        <PanelBoundary name="CaseList">
          <CaseList />
        </PanelBoundary>
        <PanelBoundary name="ThematicPanel">
          <ThematicPanel />
        </PanelBoundary>
        <PanelBoundary name="UndergroundPanel">
          <UndergroundPanel />
        </PanelBoundary>
        <PanelBoundary name="AnalysisPanel">
          <AnalysisPanel />
        </PanelBoundary>
      </div>
      <div className="right-column">
        <PanelBoundary name="SensorPanel">
          <SensorPanel />
        </PanelBoundary>
        <PanelBoundary name="EmergencyWithoutFocus">
          <EmergencyWithoutFocus />
        </PanelBoundary>
        <PanelBoundary name="IncidentPanel">
          <IncidentPanel />
        </PanelBoundary>
        <PanelBoundary name="CasePanel">
          <CasePanel />
        </PanelBoundary>
        <PanelBoundary name="GridPanel">
          <GridPanel />
        </PanelBoundary>
        <PanelBoundary name="BimPanel">
          <BimPanel />
        </PanelBoundary>
        <PanelBoundary name="CheckupPanel">
          <CheckupPanel />
        </PanelBoundary>
        <PanelBoundary name="InfoPanel">
          <InfoPanel />
        </PanelBoundary>
        {commandMode === 'daily' && (
          <PanelBoundary name="DailyOverview">
            <DailyOverview />
          </PanelBoundary>
        )}
        <PanelBoundary name="IncidentList">
          <IncidentList />
        </PanelBoundary>
      </div>
      <PanelBoundary name="MeasureToolbar">
        <MeasureToolbar />
      </PanelBoundary>
      <PanelBoundary name="TimeSlider">
        <TimeSlider />
      </PanelBoundary>
      <PanelBoundary name="AnalysisDrawer">
        <AnalysisDrawer />
      </PanelBoundary>
      <PanelBoundary name="StatusBar">
        <StatusBar />
      </PanelBoundary>
    </div>
  );
}

/** Context losses within this window that make the app reload the page instead of rebuilding the scene. */
const CONTEXT_LOSS_WINDOW_MS = 10 * 60_000;
const CONTEXT_LOSSES_BEFORE_RELOAD = 3;

export function App({ store, urlState, configUrl }: { store: AppStore; urlState: UrlState; configUrl: string }) {
  const container = useRef<HTMLDivElement>(null);
  // Bumped when the WebGL context is lost: the scene is rebuilt from scratch (the store keeps its state).
  const [generation, setGeneration] = useState(0);
  const contextLosses = useRef<number[]>([]);
  const engineRef = useRef<CityViewer | undefined>(undefined);
  const monitoringRef = useRef<MonitoringService | undefined>(undefined);
  const [lifecycleApiUrl, setLifecycleApiUrl] = useState<string>();
  const [assetsApiUrl, setAssetsApiUrl] = useState<string>();
  // A monitoring server named by the link and not by the config: asked about before connecting.
  const [monitoringPrompt, setMonitoringPrompt] = useState<{ url: string; answer(connect: boolean): void }>();
  // The answers, kept across a scene rebuilt after a lost context (asked once per page load).
  const monitoringAnswers = useRef(new Map<string, boolean>());
  const services = useMemo<AppServices>(() => ({ store, engine: () => engineRef.current, monitoring: () => monitoringRef.current, lifecycleApiUrl: () => lifecycleApiUrl, assetsApiUrl: () => assetsApiUrl }), [store, lifecycleApiUrl, assetsApiUrl]);
  useEffect(() => {
    window.__cimTwin = services;
    return () => {
      if (window.__cimTwin === services) delete window.__cimTwin;
    };
  }, [services]);

  useEffect(() => {
    let cancelled = false;
    let engine: CityViewer | undefined;
    let monitoring: MonitoringService | undefined;
    // A deep link to an incident opens onto it once the incidents are in.
    let pendingIncident = urlState.incident;
    // Opened in emergency mode without an incident: focus the most serious open one once they are in.
    // (Only on first start: a scene rebuilt after a lost context keeps the mode the user chose.)
    // A deep link to a sensor: its panel, and a flight to it when the link names no view. (First start only.)
    const stopSensorLink = generation === 0 && urlState.sensor !== undefined ? openSensorLink(store, urlState.sensor, { flyTo: !urlState.view, engine: () => engineRef.current }) : () => {};
    let cancelPrompt: (() => void) | undefined;
    // A deep link to a case (?case=AJ…): its panel once the scene is ready, and a flight to it when the link names no view.
    let pendingCaseFlight = generation === 0 && urlState.caseId !== undefined && !urlState.view ? urlState.caseId : undefined;
    if (generation === 0 && urlState.caseId !== undefined) {
      const caseId = urlState.caseId;
      void readyOrNow(store).then(() => {
        if (store.getState().selectedCaseId === undefined) store.getState().selectCase(caseId);
      });
    }
    let focusOnLoad = generation === 0 && urlState.command === 'emergency' && urlState.incident === undefined;
    if (generation === 0 && urlState.command === 'emergency') store.getState().setCommandMode('emergency');
    if (generation === 0 && urlState.sensors === false) store.getState().setSensorsVisible(false);
    if (generation === 0 && urlState.quality) store.getState().setRenderQuality(urlState.quality);
    if (generation === 0) store.getState().setSceneStyle(urlState.sceneStyle ?? defaultSceneStyle(urlState.mode));
    document.body.dataset.command = store.getState().commandMode;
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.selection?.id !== previous.selection?.id) replaceSearch({ select: state.selection?.id });
      if (state.selectedIncidentId !== previous.selectedIncidentId) replaceSearch({ incident: state.selectedIncidentId });
      if (state.selectedSensorId !== previous.selectedSensorId) replaceSearch({ sensor: state.selectedSensorId });
      if (state.selectedCaseId !== previous.selectedCaseId) replaceSearch({ caseId: state.selectedCaseId });
      if (state.selectedGridCode !== previous.selectedGridCode) replaceSearch({ grid: state.selectedGridCode });
      if (pendingCaseFlight !== undefined && state.selectedCase !== previous.selectedCase && state.selectedCase?.id === pendingCaseFlight) {
        pendingCaseFlight = undefined;
        void engineRef.current?.flyToPosition(state.selectedCase.lon, state.selectedCase.lat, 40);
      }
      if (state.layers !== previous.layers) replaceSearch({ placements: placementsOf(state.layers) });
      if (state.commandMode !== previous.commandMode) {
        replaceSearch({ command: state.commandMode === 'emergency' ? 'emergency' : undefined });
        document.body.dataset.command = state.commandMode;
      }
      if (focusOnLoad && state.incidents !== previous.incidents && state.incidents.length > 0) {
        focusOnLoad = false;
        void readyOrNow(store).then(() => enterEmergency(store));
      }
      if (state.sensorsVisible !== previous.sensorsVisible) replaceSearch({ sensors: state.sensorsVisible ? undefined : false });
      if (state.renderQuality !== previous.renderQuality) replaceSearch({ quality: state.renderQuality === 'auto' ? undefined : state.renderQuality });
      if (state.theme !== previous.theme) replaceSearch({ theme: state.theme });
      // The style is in the link when it is not the mode's default (dark on the display, original elsewhere).
      if (state.sceneStyle !== previous.sceneStyle) replaceSearch({ sceneStyle: state.sceneStyle === defaultSceneStyle(urlState.mode) ? undefined : state.sceneStyle });
      if (state.filter !== previous.filter) replaceSearch({ filter: formatFilter(state.filter) });
      // While the 4D view animates, the URL keeps the date it started from: one history write per year would be noise.
      if ((state.asOfDate !== previous.asOfDate || state.playing !== previous.playing) && !state.playing) replaceSearch({ asOfDate: state.asOfDate });
      if (pendingIncident !== undefined && state.incidents !== previous.incidents && state.incidents.some((i) => i['@iot.id'] === pendingIncident)) {
        const id = pendingIncident;
        pendingIncident = undefined;
        // After the engine's own opening flight, so the two do not fight over the camera.
        void readyOrNow(store).then(() => store.getState().selectIncident(id));
      }
      if (state.underground !== previous.underground) replaceSearch({ underground: state.underground });
      if (state.language !== previous.language) {
        replaceSearch({ language: state.language });
        document.documentElement.lang = state.language === 'zh' ? 'zh-CN' : 'en';
        try {
          window.localStorage.setItem('cim-twin.language', state.language);
        } catch {
          // storage may be unavailable (private mode); the URL still carries the language
        }
      }
      if (state.ready && !previous.ready) {
        performance.mark('cim-twin-ready');
        document.body.dataset.ready = 'tiles';
        document.body.dataset.readyGeneration = String(generation);
      }
    });
    (async () => {
      let config;
      try {
        config = await loadConfig(configUrl);
      } catch (error) {
        store.getState().addMessage(`config: ${errorText(error)}`);
        config = { layers: [] };
      }
      if (cancelled || !container.current) return;
      const configured = urlState.layers ? config.layers.filter((l) => urlState.layers!.includes(l.id)) : config.layers;
      const added = urlState.tilesets.map((parameter, index) => layerFromUrl(parameter, index));
      const layers = [...configured, ...added];
      // Placements: from the link on first start; a scene rebuilt after a lost context keeps the user's.
      const placements = generation === 0 ? (urlState.placements ?? []) : placementsOf(store.getState().layers);
      store.getState().setLayers(layers);
      for (const { layerId, ...placement } of placements) store.getState().setLayerPlacement(layerId, placement);
      if (urlState.select) store.getState().select({ id: urlState.select });
      if (urlState.underground) store.getState().setUnderground(true);
      if (urlState.theme) store.getState().setTheme(urlState.theme);
      if (urlState.filter) store.getState().setFilterText(urlState.filter);
      if (urlState.asOfDate) store.getState().setAsOfDate(urlState.asOfDate);
      // A deep link to an asset without a saved view opens onto the asset.
      const initialAsset = urlState.select && !urlState.view ? assetPlace(config.assets?.url, urlState.select) : undefined;
      engine = new CityViewer({
        container: container.current,
        store,
        layers,
        groundUrl: config.ground?.url,
        initialView: urlState.view,
        initialAsset,
        // A tileset the URL adds is what the link is about: open onto it (unless the URL names a view).
        frameLayerId: added[0]?.id,
        clockIso8601: urlState.time ?? config.clock?.iso8601,
        onViewChanged: (view) => replaceSearch({ view }),
      });
      engineRef.current = engine;
      document.body.dataset.engineGeneration = String(generation);
      // A lost WebGL context (driver reset, GPU memory pressure on a display running for days):
      // rebuild the scene; after repeated losses, reload the page.
      const canvas = engine.viewer.scene.canvas;
      const onContextLost = (event: Event) => {
        event.preventDefault();
        const now = Date.now();
        contextLosses.current = [...contextLosses.current.filter((t) => now - t < CONTEXT_LOSS_WINDOW_MS), now];
        store.getState().addMessage(`WebGL context lost; rebuilding the scene (${contextLosses.current.length} in 10 min)`);
        if (contextLosses.current.length >= CONTEXT_LOSSES_BEFORE_RELOAD) window.location.reload();
        else setGeneration((g) => g + 1);
      };
      canvas.addEventListener('webglcontextlost', onContextLost, { once: true });
      setLifecycleApiUrl(urlState.lifecycle ? new URL(urlState.lifecycle, window.location.href).href : config.lifecycle?.url);
      setAssetsApiUrl(config.assets?.url);
      store.getState().setAssetsApiUrl(config.assets?.url);
      // A deep link to a grid (?grid=code): the grid layer on, its panel open, and (without a view in the link) framed.
      if (generation === 0 && urlState.grid !== undefined && config.assets?.url) {
        const code = urlState.grid;
        const base = config.assets.url;
        store.getState().setGridsVisible(true);
        store.getState().selectGrid(code);
        if (!urlState.view) {
          void readyOrNow(store)
            .then(() => getGrid(base, code))
            .then(({ bbox: [west, south, east, north] }) => {
              // Half the diagonal in metres: the sphere the camera frames.
              const radius = Math.hypot((east - west) * 111_320 * Math.cos(((south + north) / 2) * (Math.PI / 180)), (north - south) * 110_574) / 2;
              return engineRef.current?.flyToPosition((west + east) / 2, (south + north) / 2, radius);
            }, () => undefined);
        }
      }
      // The operator signed in for the case API (the same …/api base) in this tab, if any.
      store.getState().setCaseOperator(config.assets ? restoreOperator(caseApiOrigin(config.assets.url)) : undefined);
      const monitoringUrl = urlState.monitoring === 'off' ? undefined : urlState.monitoring ? new URL(urlState.monitoring, window.location.href).href : config.monitoring?.url;
      const connectMonitoring = async (url: string) => {
        const fromLink = urlState.monitoring !== undefined && urlState.monitoring !== 'off';
        if (fromLink && monitoringLinkNeedsConfirmation(url, config.monitoring?.url, window.location.href)) {
          let connect = monitoringAnswers.current.get(url);
          if (connect === undefined) {
            connect = await new Promise<boolean>((resolve) => {
              cancelPrompt = () => resolve(false);
              setMonitoringPrompt({ url, answer: resolve });
            });
            setMonitoringPrompt(undefined);
            if (cancelled) return;
            monitoringAnswers.current.set(url, connect);
          }
          if (!connect) {
            store.getState().addMessage(monitoringDictionaries[store.getState().language].linkDeclined(url));
            return;
          }
        }
        if (cancelled) return;
        monitoring = new MonitoringService({ baseUrl: url, store });
        monitoringRef.current = monitoring;
        // The operator signed in for this server in this tab, if any: a key entered for another is never used here.
        store.getState().setOperator(restoreOperator(monitoring.client.origin));
        void monitoring.start();
      };
      if (monitoringUrl) void connectMonitoring(monitoringUrl);
      else store.getState().setOperator(undefined);
      await engine.start();
    })();
    return () => {
      cancelled = true;
      cancelPrompt?.();
      unsubscribe();
      stopSensorLink();
      // A rebuilt scene signals ready again.
      store.getState().setReady(false);
      monitoring?.destroy();
      monitoringRef.current = undefined;
      engine?.destroy();
      engineRef.current = undefined;
    };
  }, [store, urlState, configUrl, generation]);

  return (
    <ServicesContext.Provider value={services}>
      <div className="cesium-container" ref={container} data-testid="cesium-container" />
      {urlState.mode === 'display' ? <DisplayShell tourSeconds={urlState.tourSeconds ?? 30} /> : <Shell />}
      {monitoringPrompt && <MonitoringLinkConfirm url={monitoringPrompt.url} onAnswer={monitoringPrompt.answer} />}
    </ServicesContext.Provider>
  );
}
