import { useEffect, useMemo, useState } from 'react';
import { assetsNear, buildingsInRings, ringRadii, type ImpactBuilding } from '../../domain/emergency/impact.ts';
import { adjacentUndergroundSpaces, type SpaceConnection } from '../../domain/emergency/underground-spaces.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { PIPELINE_TYPE_NAMES } from '../../domain/pipelines.ts';
import type { SearchEntry } from '../../search/search-index.ts';
import { useApp, useDictionary, useServices } from '../context.ts';
import { ensureNetwork } from '../network-loader.ts';
import { loadSearchEntries } from '../search-loader.ts';

const LIST_LIMIT = 25;

const TEXT = {
  zh: {
    title: '影响范围',
    ring: (inner: number, outer: number) => `${inner}–${outer} 米`,
    ringSummary: (buildings: number, people: number) => `${buildings} 栋 · 约 ${people.toLocaleString('zh-CN')} 人`,
    occupancyNote: '人数按建筑基底面积 × 层数 × 用途人员密度估算（假定值）',
    floors: (n: number) => `${n} 层`,
    people: (n: number) => `约 ${n} 人`,
    assets: (radius: number) => `周边 ${radius} 米内设施`,
    assetCounts: (segments: number, valves: number, chambers: number) => `管段 ${segments} 段 · 阀门 ${valves} 个 · 窨井 ${chambers} 个`,
    spaces: '相邻地下空间（按连通关系、距离排序）',
    connection: { 'same-trench': '同沟敷设', crossing: '交叉穿越', 'service-entry': '燃气引入', nearby: '邻近' } as Record<SpaceConnection, string>,
    spaceKind: { conduit: '管道', 'utility-tunnel': '综合管廊', basement: '地下室', manhole: '窨井', well: '检查井' } as Record<string, string>,
    loading: '正在计算影响范围…',
    noNetwork: '管网数据不可用：仅列出建筑',
    more: (n: number) => `另有 ${n} 项`,
    metres: (m: number) => `${m.toFixed(0)} 米`,
  },
  en: {
    title: 'Impact',
    ring: (inner: number, outer: number) => `${inner}–${outer} m`,
    ringSummary: (buildings: number, people: number) => `${buildings} buildings · about ${people.toLocaleString('en')} people`,
    occupancyNote: 'People estimated as footprint × floors × a density by use (assumed values)',
    floors: (n: number) => `${n} floors`,
    people: (n: number) => `~${n} people`,
    assets: (radius: number) => `Assets within ${radius} m`,
    assetCounts: (segments: number, valves: number, chambers: number) => `${segments} pipe segments · ${valves} valves · ${chambers} manholes`,
    spaces: 'Adjacent underground spaces (by connection, then distance)',
    connection: { 'same-trench': 'same trench', crossing: 'crossing', 'service-entry': 'gas service entry', nearby: 'nearby' } as Record<SpaceConnection, string>,
    spaceKind: { conduit: 'conduit', 'utility-tunnel': 'utility tunnel', basement: 'basement', manhole: 'manhole', well: 'well' } as Record<string, string>,
    loading: 'Working out the impact…',
    noNetwork: 'No pipe network: buildings only',
    more: (n: number) => `${n} more`,
    metres: (m: number) => `${m.toFixed(0)} m`,
  },
};

/** A building of the search index as impact analysis reads it. */
export function impactBuilding(entry: SearchEntry): ImpactBuilding {
  const building: ImpactBuilding = { id: entry.id, name: entry.name, lonDegrees: entry.lonDegrees, latDegrees: entry.latDegrees, heightMetres: entry.heightMetres };
  if (entry.attributes.use) building.use = entry.attributes.use;
  if (entry.attributes.floors !== undefined) building.floors = entry.attributes.floors;
  if (entry.footprintSquareMetres !== undefined) building.footprintSquareMetres = entry.footprintSquareMetres;
  return building;
}

/**
 * Who and what an incident affects: the buildings in each impact ring with their estimated
 * occupancy, the pipes, valves and manholes nearby, and for gas, the adjacent underground spaces
 * ranked by how gas would reach them.
 */
export function IncidentImpact({ incident }: { incident: IncidentDocument }) {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const common = useDictionary();
  const t = TEXT[language];
  const layers = useApp((s) => s.layers);
  const network = useApp((s) => s.network);
  const [entries, setEntries] = useState<SearchEntry[]>();
  useEffect(() => {
    let cancelled = false;
    void loadSearchEntries(layers.filter((l) => l.config.kind === 'buildings').map((l) => l.config)).then((loaded) => !cancelled && setEntries(loaded));
    void ensureNetwork(store);
    return () => {
      cancelled = true;
    };
  }, [layers, store]);
  const [lon, lat] = incident.location.coordinates;
  const radii = useMemo(() => ringRadii(incident.type), [incident.type]);
  const outer = radii[radii.length - 1]!;
  const buildings = useMemo(() => entries?.map(impactBuilding), [entries]);
  const rings = useMemo(() => (buildings ? buildingsInRings(buildings, lon, lat, radii) : undefined), [buildings, lon, lat, radii]);
  const pipeNetwork = network.status === 'ready' ? network.network.index.network : undefined;
  const assets = useMemo(() => (pipeNetwork ? assetsNear(pipeNetwork, lon, lat, outer) : undefined), [pipeNetwork, lon, lat, outer]);
  const isGas = incident.type === 'gas-leak' || incident.type === 'methane-over-limit';
  const spaces = useMemo(
    () => (pipeNetwork && buildings && isGas ? adjacentUndergroundSpaces(pipeNetwork, { lonDegrees: lon, latDegrees: lat }, buildings, { radiusMetres: Math.min(outer, 150) }) : undefined),
    [pipeNetwork, buildings, isGas, lon, lat, outer],
  );
  const select = (id: string) => store.getState().select({ id });
  if (!rings) return <p className="muted">{t.loading}</p>;
  return (
    <section className="incident-impact" data-testid="incident-impact">
      <h3>{t.title}</h3>
      <ol className="impact-rings" data-testid="impact-rings">
        {rings.map((ring, i) => (
          <li key={ring.outerMetres} data-ring={i} data-buildings={ring.buildings.length} data-occupancy={ring.occupancy}>
            <details open={i === 0}>
              <summary>
                <strong>{t.ring(ring.innerMetres, ring.outerMetres)}</strong> {t.ringSummary(ring.buildings.length, ring.occupancy)}
              </summary>
              <ul className="affected-buildings" data-testid="affected-buildings">
                {ring.buildings.slice(0, LIST_LIMIT).map((b) => (
                  <li key={b.id} data-building={b.id}>
                    <button type="button" className="link" onClick={() => select(b.id)}>
                      {b.name || b.id}
                    </button>
                    <span className="muted">
                      {[b.use ? (common.value[b.use] ?? b.use) : undefined, b.floors !== undefined ? t.floors(b.floors) : undefined, b.occupancy !== undefined ? t.people(b.occupancy) : undefined, t.metres(b.distanceMetres)].filter(Boolean).join(' · ')}
                    </span>
                  </li>
                ))}
                {ring.buildings.length > LIST_LIMIT && <li className="muted">{t.more(ring.buildings.length - LIST_LIMIT)}</li>}
              </ul>
            </details>
          </li>
        ))}
      </ol>
      <p className="muted small">{t.occupancyNote}</p>
      <h3>{t.assets(outer)}</h3>
      {network.status === 'error' ? (
        <p className="muted small">{t.noNetwork}</p>
      ) : !assets ? (
        <p className="muted small">{t.loading}</p>
      ) : (
        <p data-testid="nearby-assets" data-count={assets.length}>
          {t.assetCounts(assets.filter((a) => a.kind === 'segment').length, assets.filter((a) => a.kind === 'valve').length, assets.filter((a) => a.kind === 'manhole' || a.kind === 'well').length)}
        </p>
      )}
      {spaces && (
        <>
          <h3>{t.spaces}</h3>
          <ol className="adjacent-spaces" data-testid="adjacent-spaces">
            {spaces.slice(0, LIST_LIMIT).map((space) => (
              <li key={space.id} data-connection={space.connection}>
                <button type="button" className="link" onClick={() => select(space.id)}>
                  {space.id}
                </button>
                <span className="muted">
                  {[space.type ? PIPELINE_TYPE_NAMES[space.type][language] : undefined, t.spaceKind[space.kind] ?? space.kind, t.connection[space.connection], t.metres(space.distanceMetres)].filter(Boolean).join(' · ')}
                </span>
              </li>
            ))}
            {spaces.length > LIST_LIMIT && <li className="muted">{t.more(spaces.length - LIST_LIMIT)}</li>}
          </ol>
        </>
      )}
    </section>
  );
}
