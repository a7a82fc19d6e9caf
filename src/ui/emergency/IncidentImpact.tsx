import { useEffect, useState } from 'react';
import { incidentImpact, type ImpactAnswer } from '../../api/network.ts';
import type { SpaceConnection } from '../../domain/emergency/underground-spaces.ts';
import { errorText } from '../../domain/error-text.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { PIPELINE_TYPE_NAMES } from '../../domain/pipelines.ts';
import { useApp, useDictionary, useServices } from '../context.ts';

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
    noApi: '未配置分析服务（assets.url）：影响范围内的建筑、人数和周边管线需由服务端统计，暂不可用',
    failed: '影响范围统计失败',
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
    noApi: 'No analysis service configured (assets.url): the buildings, people and pipes in the rings are counted by the server and are unavailable',
    failed: 'The impact could not be worked out',
    more: (n: number) => `${n} more`,
    metres: (m: number) => `${m.toFixed(0)} m`,
  },
};

type Loaded = { key: string } & ({ state: 'ready'; answer: ImpactAnswer } | { state: 'error'; message: string });

/**
 * Who and what an incident affects, counted by the server (GET /api/impact): the buildings in
 * each impact ring with their estimated occupancy (the nearest of each ring listed), the pipes,
 * valves and manholes nearby, and for gas, the adjacent underground spaces ranked by how gas
 * would reach them.
 */
export function IncidentImpact({ incident }: { incident: IncidentDocument }) {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const common = useDictionary();
  const t = TEXT[language];
  const api = useApp((s) => s.assetsApiUrl);
  const [lon, lat] = incident.location.coordinates;
  const key = `${api}|${lon}|${lat}|${incident.type}`;
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    if (!api) return;
    const controller = new AbortController();
    incidentImpact(api, lon, lat, incident.type, { limit: LIST_LIMIT, signal: controller.signal }).then(
      (answer) => setLoaded({ key, state: 'ready', answer }),
      (error: unknown) => !controller.signal.aborted && setLoaded({ key, state: 'error', message: errorText(error) }),
    );
    return () => controller.abort();
  }, [api, lon, lat, incident.type, key]);
  const select = (id: string) => store.getState().select({ id });
  if (!api) return <p className="muted small" data-testid="impact-no-api">{t.noApi}</p>;
  if (!loaded || loaded.key !== key) return <p className="muted">{t.loading}</p>;
  if (loaded.state === 'error') return <p className="error" data-testid="impact-error">{`${t.failed}: ${loaded.message}`}</p>;
  const { rings, nearby, spaces, radii } = loaded.answer;
  const outer = radii[radii.length - 1]!;
  return (
    <section className="incident-impact" data-testid="incident-impact">
      <h3>{t.title}</h3>
      <ol className="impact-rings" data-testid="impact-rings">
        {rings.map((ring, i) => (
          <li key={ring.outerMetres} data-ring={i} data-buildings={ring.buildingCount} data-occupancy={ring.occupancy}>
            <details open={i === 0}>
              <summary>
                <strong>{t.ring(ring.innerMetres, ring.outerMetres)}</strong> {t.ringSummary(ring.buildingCount, ring.occupancy)}
              </summary>
              <ul className="affected-buildings" data-testid="affected-buildings">
                {ring.buildings.map((b) => (
                  <li key={b.id} data-building={b.id}>
                    <button type="button" className="link" onClick={() => select(b.id)}>
                      {b.name || b.id}
                    </button>
                    <span className="muted">
                      {[b.use ? (common.value[b.use] ?? b.use) : undefined, b.floors !== undefined ? t.floors(b.floors) : undefined, b.occupancy !== undefined ? t.people(b.occupancy) : undefined, t.metres(b.distanceMetres)].filter(Boolean).join(' · ')}
                    </span>
                  </li>
                ))}
                {ring.buildingCount > ring.buildings.length && <li className="muted">{t.more(ring.buildingCount - ring.buildings.length)}</li>}
              </ul>
            </details>
          </li>
        ))}
      </ol>
      <p className="muted small">{t.occupancyNote}</p>
      <h3>{t.assets(outer)}</h3>
      <p data-testid="nearby-assets" data-count={nearby.total}>
        {t.assetCounts(nearby.segments, nearby.valves, nearby.chambers)}
      </p>
      {spaces && (
        <>
          <h3>{t.spaces}</h3>
          <ol className="adjacent-spaces" data-testid="adjacent-spaces">
            {spaces.items.map((space) => (
              <li key={space.id} data-connection={space.connection}>
                <button type="button" className="link" onClick={() => select(space.id)}>
                  {space.id}
                </button>
                <span className="muted">
                  {[space.type ? PIPELINE_TYPE_NAMES[space.type][language] : undefined, t.spaceKind[space.kind] ?? space.kind, t.connection[space.connection], t.metres(space.distanceMetres)].filter(Boolean).join(' · ')}
                </span>
              </li>
            ))}
            {spaces.total > spaces.items.length && <li className="muted">{t.more(spaces.total - spaces.items.length)}</li>}
          </ol>
        </>
      )}
    </section>
  );
}
