import { localized } from './i18n.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { PlacementDialog } from './layers/PlacementDialog.tsx';
import { SCENE_STYLES } from '../domain/thematic/scene-style.ts';
import { gridDictionaries } from './grids/i18n.ts';

/** Layers from the config file (and ?tileset=), with visibility, zoom-to and load errors. */
export function LayerList() {
  const layers = useApp((s) => s.layers);
  const language = useApp((s) => s.language);
  const t = useDictionary();
  const { store, engine } = useServices();
  const connection = useApp((s) => s.connection);
  const sensorCount = useApp((s) => s.sensors.size);
  const sensorsVisible = useApp((s) => s.sensorsVisible);
  const sceneStyle = useApp((s) => s.sceneStyle);
  const gridsVisible = useApp((s) => s.gridsVisible);
  const gridsAvailable = useApp((s) => s.assetsApiUrl !== undefined);
  return (
    <section className="panel layer-list" aria-label={t.layers}>
      <h3>{t.layers}</h3>
      <ul>
        {layers.map((layer) => (
          <li key={layer.config.id} data-layer={layer.config.id} data-status={layer.status}>
            <label>
              <input
                type="checkbox"
                checked={layer.visible}
                disabled={layer.status === 'error'}
                onChange={(e) => store.getState().setLayerVisible(layer.config.id, e.target.checked)}
              />
              <span>{localized(layer.config.name, language)}</span>
              <span className="kind">{t.kind[layer.config.kind] ?? layer.config.kind}</span>
            </label>
            {layer.status === 'ready' && (!layer.unplaced || layer.placement) && (
              <button type="button" className="link" onClick={() => void engine()?.zoomToLayer(layer.config.id)}>
                {t.zoomTo}
              </button>
            )}
            {layer.status === 'ready' && layer.unplaced && <PlacementDialog layer={layer} />}
            {layer.error && (
              <div className="error" role="alert" data-testid="layer-error">
                {layer.status === 'error' ? t.layerFailed : t.contentFailed}: {layer.error}
              </div>
            )}
          </li>
        ))}
        {gridsAvailable && (
          <li data-layer="grids">
            <label>
              <input type="checkbox" checked={gridsVisible} data-testid="grids-visible" onChange={(e) => store.getState().setGridsVisible(e.target.checked)} />
              <span>{gridDictionaries[language].layer}</span>
            </label>
          </li>
        )}
        {connection !== 'off' && (
          <li data-layer="sensors">
            <label>
              <input type="checkbox" checked={sensorsVisible} data-testid="sensors-visible" onChange={(e) => store.getState().setSensorsVisible(e.target.checked)} />
              <span>{t.sensorsLayer}</span>
              <span className="kind">{sensorCount.toLocaleString(language === 'zh' ? 'zh-CN' : 'en')}</span>
            </label>
          </li>
        )}
      </ul>
      <div className="scene-style" role="radiogroup" aria-label={t.sceneStyle} data-testid="scene-style" data-style={sceneStyle}>
        <span className="muted small">{t.sceneStyle}</span>
        {SCENE_STYLES.map((style) => (
          <label key={style}>
            <input type="radio" name="scene-style" value={style} checked={sceneStyle === style} data-testid={`scene-style-${style}`} onChange={() => store.getState().setSceneStyle(style)} />
            <span>{t.sceneStyles[style]}</span>
          </label>
        ))}
      </div>
    </section>
  );
}
