import { useEffect, useState } from 'react';
import type { BimModelSummary } from '../../server/bim/bim-store.ts';
import { useApp, useServices } from '../context.ts';
import { bimDictionaries } from './i18n.ts';

type Loaded = { building: string; models: BimModelSummary[] } | { building: string; error: string };

/** The BIM API's base (…/api/bim) from the asset API's (…/api). */
export const bimApiBase = (assetsApiUrl: string) => `${assetsApiUrl.replace(/\/$/, '')}/bim`;

/**
 * In a building's panel: its BIM model (竣工模型), when one is linked to the building
 * (GET /api/bim/models?building=<id>), with 「打开模型」. Nothing when none is.
 */
export function BimSection({ buildingId }: { buildingId: string }) {
  const language = useApp((s) => s.language);
  const openModel = useApp((s) => s.bimModel?.id);
  const t = bimDictionaries[language];
  const services = useServices();
  const apiUrl = services.assetsApiUrl();
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    if (!apiUrl) return;
    let cancelled = false;
    fetch(`${bimApiBase(apiUrl)}/models?building=${encodeURIComponent(buildingId)}`)
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = (await response.json()) as { models: BimModelSummary[] };
        if (!cancelled) setLoaded({ building: buildingId, models: body.models });
      })
      .catch((error: unknown) => !cancelled && setLoaded({ building: buildingId, error: error instanceof Error ? error.message : String(error) }));
    return () => {
      cancelled = true;
    };
  }, [apiUrl, buildingId]);
  if (!apiUrl || !loaded || loaded.building !== buildingId) return null;
  if ('error' in loaded) return null; // no BIM API on this server: the panel has no model to show
  if (loaded.models.length === 0) return null;
  return (
    <section className="bim-section" data-testid="bim-section" aria-label={t.bimModel}>
      <h3>{t.bimModel}</h3>
      {loaded.models.map((model) => (
        <div key={model.id} className="bim-model" data-model={model.id}>
          <div>
            <span className="tag">{t.completionModel}</span> <strong>{model.name || model.id}</strong>
          </div>
          <div className="muted">
            {model.source} · {model.schema} · {t.elements(model.elementCount)} · {t.storeysCount(model.storeyCount)}
          </div>
          <button
            type="button"
            className="bim-open"
            data-testid="bim-open"
            disabled={!model.tileset || openModel === model.id}
            onClick={() =>
              services.store.getState().openBim({
                id: model.id,
                name: model.name || model.id,
                building: model.building,
                tilesetUrl: new URL(`tiles/${model.tileset}`, document.baseURI).href,
                apiUrl: `${bimApiBase(apiUrl)}/models/${encodeURIComponent(model.id)}`,
              })
            }
          >
            {t.open}
          </button>
        </div>
      ))}
    </section>
  );
}
