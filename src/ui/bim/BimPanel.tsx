import { useEffect, useState } from 'react';
import type { BimElement, BimStoreyNode } from '../../server/bim/bim-store.ts';
import type { BimProperty } from '../../domain/bim.ts';
import type { BimSectionMode } from '../../store/bim.ts';
import { useApp, useServices } from '../context.ts';
import { bimDictionaries, type BimDictionary } from './i18n.ts';
import './bim.css';

type Fetched<T> = { url: string; value: T } | { url: string; error: string };

/** GET a JSON document, kept with the URL it answers (a stale answer is never shown). */
function useJson<T>(url: string | undefined): Fetched<T> | undefined {
  const [fetched, setFetched] = useState<Fetched<T>>();
  useEffect(() => {
    if (!url) return;
    let cancelled = false;
    fetch(url)
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        const value = (await response.json()) as T;
        if (!cancelled) setFetched({ url, value });
      })
      .catch((error: unknown) => !cancelled && setFetched({ url, error: error instanceof Error ? error.message : String(error) }));
    return () => {
      cancelled = true;
    };
  }, [url]);
  return fetched?.url === url ? fetched : undefined;
}

function Toggles({ shown, isolated, onHide, onIsolate, t, testId }: { shown: boolean; isolated: boolean; onHide(): void; onIsolate(): void; t: BimDictionary; testId: string }) {
  return (
    <span className="bim-toggles">
      <button type="button" data-testid={`${testId}-isolate`} aria-pressed={isolated} onClick={onIsolate}>
        {isolated ? t.showAll : t.isolate}
      </button>
      <button type="button" data-testid={`${testId}-hide`} aria-pressed={!shown} onClick={onHide}>
        {shown ? t.hide : t.show}
      </button>
    </span>
  );
}

function propertyValue(p: BimProperty): string {
  if (p.value === null) return '—';
  if (typeof p.value === 'number') return String(Number(p.value.toPrecision(12)));
  return String(p.value);
}

/** The picked element: class, name, storey, material, then its property and quantity sets from the BIM API, with units. */
function ElementDetails({ apiUrl, t }: { apiUrl: string; t: BimDictionary }) {
  const picked = useApp((s) => s.bimPicked);
  const element = useJson<BimElement>(picked ? `${apiUrl}/elements/${encodeURIComponent(picked.globalId)}` : undefined);
  if (!picked) return <p className="muted">{t.pickHint}</p>;
  return (
    <div data-testid="bim-element" data-global-id={picked.globalId}>
      <table className="properties">
        <tbody>
          <tr><th scope="row">{t.ifcClass}</th><td data-testid="bim-element-class">{picked.ifcClass}</td></tr>
          <tr><th scope="row">{t.name}</th><td>{picked.name}</td></tr>
          <tr><th scope="row">{t.storey}</th><td>{picked.storey || t.noStorey}</td></tr>
          {picked.material && <tr><th scope="row">{t.material}</th><td>{picked.material}</td></tr>}
          <tr><th scope="row">{t.globalId}</th><td><code>{picked.globalId}</code></td></tr>
        </tbody>
      </table>
      <h4>{t.propertySets}</h4>
      {!element ? (
        <p className="muted">…</p>
      ) : 'error' in element ? (
        <p className="error">{`${t.readFailed}: ${element.error}`}</p>
      ) : element.value.propertySets.length === 0 ? (
        <p className="muted">{t.noPropertySets}</p>
      ) : (
        <div data-testid="bim-property-sets">
          {element.value.propertySets.map((set, i) => (
            <details key={`${set.name}-${i}`} open className="bim-pset" data-set={set.name}>
              <summary>
                {set.name}
                {set.kind === 'quantity' && <span className="muted"> · {t.quantitySet}</span>}
                {set.fromType && <span className="muted"> · {t.fromType}</span>}
              </summary>
              <table className="properties">
                <tbody>
                  {set.properties.map((p, j) => (
                    <tr key={`${p.name}-${j}`} data-property={p.name}>
                      <th scope="row" title={p.type}>{p.name}</th>
                      <td>
                        <span className="raw">{propertyValue(p)}</span>
                        {p.unit && <span className="unit">{p.unit}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))}
        </div>
      )}
    </div>
  );
}

const SECTION_MODES: BimSectionMode[] = ['off', 'horizontal', 'vertical'];

/**
 * The open BIM model (竣工模型): leave it (button or Esc), the storey tree and the IFC classes with
 * isolate and hide, the section plane (dragged in the scene by its rim, see src/engine/bim-view.ts,
 * or moved by the slider, which follows the drag), and the picked element's properties.
 */
export function BimPanel() {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const t = bimDictionaries[language];
  const model = useApp((s) => s.bimModel);
  const status = useApp((s) => s.bimStatus);
  const error = useApp((s) => s.bimError);
  const hiddenStoreys = useApp((s) => s.bimHiddenStoreys);
  const isolatedStorey = useApp((s) => s.bimIsolatedStorey);
  const hiddenClasses = useApp((s) => s.bimHiddenClasses);
  const isolatedClass = useApp((s) => s.bimIsolatedClass);
  const section = useApp((s) => s.bimSection);
  const sectionPosition = useApp((s) => s.bimSectionPosition);
  const storeys = useJson<{ storeys: BimStoreyNode[] }>(model ? `${model.apiUrl}/storeys` : undefined);

  // The model's state for tests and automation: closed, loading, ready or error.
  useEffect(() => {
    document.body.dataset.bim = model ? (status ?? 'loading') : 'closed';
  }, [model, status]);

  // Esc leaves the model, unless a measurement takes it (captured first, before the measure toolbar clears its tool).
  useEffect(() => {
    if (!model) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      const state = store.getState();
      if (state.measureTool !== undefined || state.measureDraft !== undefined) return;
      state.closeBim();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [model, store]);

  if (!model) return null;
  const actions = store.getState();
  const nodes = storeys && 'value' in storeys ? storeys.value.storeys : [];
  const classes = new Map<string, number>();
  for (const node of nodes) for (const [ifcClass, count] of Object.entries(node.classes)) classes.set(ifcClass, (classes.get(ifcClass) ?? 0) + count);
  return (
    <aside className="panel bim-panel" data-testid="bim-panel" aria-label={t.bimModel}>
      <header>
        <div>
          <h2>{model.name}</h2>
          <div className="subtitle">
            {t.completionModel} · {model.building}
          </div>
        </div>
        <button type="button" className="bim-exit" data-testid="bim-exit" title={t.exitHint} onClick={() => actions.closeBim()}>
          {t.exit}
        </button>
      </header>
      {status === 'loading' && <p className="muted">{t.loading}</p>}
      {status === 'error' && <p className="error">{`${t.loadFailed}: ${error ?? ''}`}</p>}
      <h3>{t.storeys}</h3>
      {storeys && 'error' in storeys && <p className="error">{`${t.readFailed}: ${storeys.error}`}</p>}
      <ul className="bim-tree" data-testid="bim-storeys">
        {nodes.map((node) => (
          <li key={node.globalId || '-'} data-storey={node.globalId} data-storey-name={node.name}>
            <span className="bim-label">
              {node.name || t.noStorey}
              {node.elevation !== undefined && <span className="muted"> · {t.elevation(String(Number(node.elevation.toFixed(3))))}</span>}
              <span className="muted"> · {node.elementCount}</span>
            </span>
            <Toggles
              t={t}
              testId="bim-storey"
              shown={!hiddenStoreys.includes(node.globalId)}
              isolated={isolatedStorey === node.globalId}
              onHide={() => actions.toggleBimStorey(node.globalId)}
              onIsolate={() => actions.isolateBimStorey(node.globalId)}
            />
          </li>
        ))}
      </ul>
      <h3>{t.classes}</h3>
      <ul className="bim-tree" data-testid="bim-classes">
        {[...classes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([ifcClass, count]) => (
          <li key={ifcClass} data-class={ifcClass}>
            <span className="bim-label">
              {ifcClass}
              <span className="muted"> · {count}</span>
            </span>
            <Toggles
              t={t}
              testId="bim-class"
              shown={!hiddenClasses.includes(ifcClass)}
              isolated={isolatedClass === ifcClass}
              onHide={() => actions.toggleBimClass(ifcClass)}
              onIsolate={() => actions.isolateBimClass(ifcClass)}
            />
          </li>
        ))}
      </ul>
      <h3>{t.section}</h3>
      <div className="bim-section-modes" role="radiogroup" aria-label={t.section}>
        {SECTION_MODES.map((mode) => (
          <label key={mode}>
            <input type="radio" name="bim-section" value={mode} data-testid={`bim-section-${mode}`} checked={section === mode} onChange={() => actions.setBimSection(mode)} />
            {mode === 'off' ? t.sectionOff : mode === 'horizontal' ? t.sectionHorizontal : t.sectionVertical}
          </label>
        ))}
      </div>
      <input
        type="range"
        min={0}
        max={1000}
        step={1}
        aria-label={t.sectionPosition}
        title={t.sectionHint}
        data-testid="bim-section-position"
        disabled={section === 'off'}
        value={Math.round(sectionPosition * 1000)}
        onChange={(event) => actions.setBimSectionPosition(Number(event.target.value) / 1000)}
      />
      {section !== 'off' && (
        <p className="muted" data-testid="bim-section-drag-hint">
          {t.sectionDragHint(section)}
        </p>
      )}
      <h3>{t.element}</h3>
      <ElementDetails apiUrl={model.apiUrl} t={t} />
    </aside>
  );
}
