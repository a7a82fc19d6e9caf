import { useApp, useDictionary, useServices } from './context.ts';
import { LayerMetadata } from './LayerMetadata.tsx';
import { PropertyTable } from './PropertyTable.tsx';
import { PipeConnections } from './PipeConnections.tsx';
import { LifecycleTimeline } from './lifecycle/LifecycleTimeline.tsx';
import { BuildingMonitoring } from './monitoring/BuildingMonitoring.tsx';
import { BimSection } from './bim/BimSection.tsx';

/**
 * Side panel with every property of the selected feature, read from the tile metadata and shown as
 * stored, with units; then the layer with its 3D Tiles 1.1 metadata.
 */
export function InfoPanel() {
  const selection = useApp((s) => s.selection);
  const t = useDictionary();
  const services = useServices();
  const { store } = services;
  const lifecycleApiUrl = services.lifecycleApiUrl();
  const layerKind = useApp((s) => s.layers.find((l) => l.config.id === s.selection?.layerId)?.config.kind);
  // An open BIM model has its own panel (src/ui/bim/BimPanel.tsx).
  const bimOpen = useApp((s) => s.bimModel !== undefined);
  if (!selection || bimOpen) return null;
  const name = selection.properties?.find((p) => p.id === 'name')?.value;
  const isPipeline = selection.properties?.some((p) => p.id === 'pipelineType') ?? false;
  return (
    <aside className="panel info-panel" data-testid="info-panel" aria-label={t.properties}>
      <header>
        <div>
          <h2 data-testid="info-title">{typeof name === 'string' && name ? name : selection.id}</h2>
          <div className="subtitle" data-testid="info-id">{selection.id}</div>
        </div>
        <button type="button" className="icon" onClick={() => store.getState().select(undefined)} aria-label={t.close} title={t.close}>
          ×
        </button>
      </header>
      {selection.properties ? <PropertyTable entries={selection.properties} testId="info-properties" /> : <p className="muted">{t.lookingUp}</p>}
      {selection.properties && selection.layerId && <LayerMetadata layerId={selection.layerId} sections={selection.metadata} />}
      {isPipeline && <PipeConnections id={selection.id} />}
      {layerKind === 'buildings' && selection.properties && <BimSection buildingId={selection.id} />}
      {layerKind === 'buildings' && selection.properties && lifecycleApiUrl && <LifecycleTimeline buildingId={selection.id} apiUrl={lifecycleApiUrl} />}
      {layerKind === 'buildings' && selection.properties && <BuildingMonitoring buildingId={selection.id} />}
    </aside>
  );
}
