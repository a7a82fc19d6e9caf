import { CJJ61_COLOURS, PIPELINE_TYPE_NAMES, PIPELINE_TYPES } from '../domain/pipelines.ts';
import type { BuildingsAppearance } from '../store/index.ts';
import { useApp, useDictionary, useServices } from './context.ts';

/** Underground view (地下模式): translucent ground, buildings faded or hidden, and the CJJ 61 legend with per-type toggles. */
export function UndergroundPanel() {
  const t = useDictionary();
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const underground = useApp((s) => s.underground);
  const opacity = useApp((s) => s.groundOpacity);
  const appearance = useApp((s) => s.buildingsAppearance);
  const hidden = useApp((s) => s.hiddenPipelineTypes);
  const hasPipelines = useApp((s) => s.layers.some((l) => l.config.kind === 'pipelines'));
  if (!hasPipelines) return null;
  const actions = store.getState();
  return (
    <section className="panel underground-panel" aria-label={t.underground}>
      <label className="row">
        <input type="checkbox" data-testid="underground-toggle" checked={underground} onChange={(e) => actions.setUnderground(e.target.checked)} />
        <strong>{t.underground}</strong>
      </label>
      {underground && (
        <>
          <label className="row">
            <span>{t.groundOpacity}</span>
            <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="ground-opacity" onChange={(e) => actions.setGroundOpacity(Number(e.target.value))} />
          </label>
          <label className="row">
            <span>{t.buildings}</span>
            <select value={appearance} onChange={(e) => actions.setBuildingsAppearance(e.target.value as BuildingsAppearance)}>
              <option value="show">{t.buildingsShow}</option>
              <option value="fade">{t.buildingsFade}</option>
              <option value="hide">{t.buildingsHide}</option>
            </select>
          </label>
        </>
      )}
      <h3>{t.pipelineLegend}</h3>
      <ul className="legend">
        {PIPELINE_TYPES.filter((type) => type !== 'heat' && type !== 'industrial' && type !== 'unknown').map((type) => (
          <li key={type}>
            <label>
              <input type="checkbox" checked={!hidden.includes(type)} data-pipeline-type={type} onChange={() => actions.togglePipelineType(type)} />
              <span className="swatch" style={{ background: `rgb(${CJJ61_COLOURS[type].join(',')})` }} />
              {PIPELINE_TYPE_NAMES[type][language]}
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
