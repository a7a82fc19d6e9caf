import { formatValue } from './i18n.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { PipeConnections } from './PipeConnections.tsx';
import { LifecycleTimeline } from './lifecycle/LifecycleTimeline.tsx';
import { BuildingMonitoring } from './monitoring/BuildingMonitoring.tsx';

/** Side panel with every property of the selected feature, read from the tile metadata. */
export function InfoPanel() {
  const selection = useApp((s) => s.selection);
  const t = useDictionary();
  const services = useServices();
  const { store } = services;
  const lifecycleApiUrl = services.lifecycleApiUrl();
  const layerKind = useApp((s) => s.layers.find((l) => l.config.id === s.selection?.layerId)?.config.kind);
  if (!selection) return null;
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
      {selection.properties ? (
        <table className="properties">
          <tbody>
            {selection.properties.map((p) => (
              <tr key={p.id} data-property={p.id}>
                <th scope="row">{t.property[p.id] ?? p.id}</th>
                <td>{formatValue(p.value, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t.lookingUp}</p>
      )}
      {isPipeline && <PipeConnections id={selection.id} />}
      {layerKind === 'buildings' && selection.properties && lifecycleApiUrl && <LifecycleTimeline buildingId={selection.id} apiUrl={lifecycleApiUrl} />}
      {layerKind === 'buildings' && selection.properties && <BuildingMonitoring buildingId={selection.id} />}
    </aside>
  );
}
