import { useEffect } from 'react';
import { createPortal } from 'react-dom';
import { ApiError } from '../../api/http.ts';
import { incidentImpact, suspectedBreak, valveIsolation, type ImpactAnswer, type IsolationAnswer } from '../../api/network.ts';
import { unitName } from '../../domain/emergency/linkage.ts';
import { ISOLATION_TYPES_BY_INCIDENT } from '../../domain/emergency/valve-isolation.ts';
import { errorText } from '../../domain/error-text.ts';
import { INCIDENT_STATUS_NAMES, INCIDENT_TYPE_NAMES } from '../../domain/monitoring/incidents.ts';
import { WARNING_LEVEL_NAMES } from '../../domain/monitoring/warning.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useMonitoringDictionary } from '../context.ts';

const TEXT = {
  zh: {
    title: '城市生命线事件报告',
    generated: (time: string) => `生成时间：${time}`,
    details: '事件概况',
    type: '事件类型',
    level: '预警等级',
    status: '当前状态',
    raisedAt: '报警时间',
    location: '位置',
    assets: '关联设施',
    impact: '影响范围',
    ring: (inner: number, outer: number, buildings: number, people: number) => `${inner}–${outer} 米：建筑 ${buildings} 栋，约 ${people.toLocaleString('zh-CN')} 人`,
    valves: '关阀方案',
    valvesFor: (segment: string) => `破损管段 ${segment}：需关闭阀门`,
    sources: '需在源头关断',
    outOfSupply: (segments: number, buildings: number) => `停止供应管段 ${segments} 段，影响建筑 ${buildings} 栋`,
    noValves: '不适用（非压力管网事件，或关联设施不在供水/燃气管道上）',
    noApi: '未配置分析服务（assets.url）：影响范围和关阀方案不可用',
    failed: '统计失败',
    log: '处置记录',
    print: '打印 / 导出 PDF',
    close: '关闭',
    occupancyNote: '人数为估算值（基底面积 × 层数 × 用途人员密度，假定值）。',
  },
  en: {
    title: 'City lifeline incident report',
    generated: (time: string) => `Generated ${time}`,
    details: 'Incident',
    type: 'Type',
    level: 'Warning level',
    status: 'Status',
    raisedAt: 'Raised',
    location: 'Location',
    assets: 'Assets',
    impact: 'Impact',
    ring: (inner: number, outer: number, buildings: number, people: number) => `${inner}–${outer} m: ${buildings} buildings, about ${people.toLocaleString('en')} people`,
    valves: 'Valves to close',
    valvesFor: (segment: string) => `Broken segment ${segment}: close`,
    sources: 'Shut at the source',
    outOfSupply: (segments: number, buildings: number) => `${segments} segments out of supply, ${buildings} buildings affected`,
    noValves: 'Not applicable (not a pressure-network incident, or no linked asset on a water or gas pipe)',
    noApi: 'No analysis service configured (assets.url): no impact figures or valves to close',
    failed: 'Could not be worked out',
    log: 'Action log',
    print: 'Print / save as PDF',
    close: 'Close',
    occupancyNote: 'People are estimates (footprint × floors × a density by use; assumed values).',
  },
};

/** What the report shows of the server's analyses: the rings' figures and the valves to close. */
export interface ReportFigures {
  /** No analysis API is configured. */
  noApi?: boolean;
  impact?: ImpactAnswer;
  isolation?: IsolationAnswer;
  error?: string;
}

/** The rings' figures, and for a break on a pressure main the isolation of the main at its assets (GET /api/impact, /api/network/…). */
export async function reportFigures(api: string | undefined, incident: IncidentDocument): Promise<ReportFigures> {
  if (!api) return { noApi: true };
  const [lon, lat] = incident.location.coordinates;
  try {
    const impact = await incidentImpact(api, lon, lat, incident.type, { limit: 1 });
    if (!ISOLATION_TYPES_BY_INCIDENT[incident.type]) return { impact };
    let segment: string | undefined;
    try {
      segment = (await suspectedBreak(api, incident.assetIds, incident.type)).segment?.id;
    } catch (error) {
      // None of the incident's assets is in the pipe network: no valves to close.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    return { impact, isolation: segment ? await valveIsolation(api, segment) : undefined };
  } catch (error) {
    return { error: errorText(error) };
  }
}

/**
 * A one-page incident report (printable; the browser saves it as PDF): the map as it is now,
 * the incident, the buildings in its impact rings, the valves to close, and the action log.
 */
export function IncidentReport({ incident, snapshot, figures, onClose }: { incident: IncidentDocument; snapshot?: string; figures: ReportFigures; onClose(): void }) {
  const language = useApp((s) => s.language);
  const m = useMonitoringDictionary();
  const t = TEXT[language];
  const [lon, lat] = incident.location.coordinates;
  const { impact, isolation } = figures;
  const unavailable = figures.noApi ? t.noApi : figures.error ? `${t.failed}: ${figures.error}` : undefined;
  useEffect(() => {
    document.body.classList.add('report-open');
    return () => document.body.classList.remove('report-open');
  }, []);
  const time = (iso: string) => new Date(iso).toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', hour12: false });
  return createPortal(
    <div className="report-overlay" data-testid="incident-report">
      <article className="report">
        <header>
          <h1>{t.title}</h1>
          <div className="report-actions">
            <button type="button" onClick={() => window.print()}>
              {t.print}
            </button>
            <button type="button" onClick={onClose}>
              {t.close}
            </button>
          </div>
          <p className="muted">
            #{incident['@iot.id']} · {t.generated(time(new Date().toISOString()))}
          </p>
        </header>
        {snapshot && <img className="report-map" data-testid="report-map" src={snapshot} alt={INCIDENT_TYPE_NAMES[incident.type][language]} />}
        <section>
          <h2>{t.details}</h2>
          <table className="properties">
            <tbody>
              <tr>
                <th scope="row">{t.type}</th>
                <td>{INCIDENT_TYPE_NAMES[incident.type][language]}</td>
                <th scope="row">{t.level}</th>
                <td>{WARNING_LEVEL_NAMES[incident.level][language]}</td>
              </tr>
              <tr>
                <th scope="row">{t.status}</th>
                <td>{INCIDENT_STATUS_NAMES[incident.status][language]}</td>
                <th scope="row">{t.raisedAt}</th>
                <td>{time(incident.raisedAt)}</td>
              </tr>
              <tr>
                <th scope="row">{t.location}</th>
                <td>
                  {lon.toFixed(6)}, {lat.toFixed(6)}
                </td>
                <th scope="row">{t.assets}</th>
                <td>{incident.assetIds.join('、')}</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section>
          <h2>{t.impact}</h2>
          {unavailable && <p className="muted" data-testid="report-unavailable">{unavailable}</p>}
          <ul data-testid="report-rings">
            {impact?.rings.map((ring) => (
              <li key={ring.outerMetres}>{t.ring(ring.innerMetres, ring.outerMetres, ring.buildingCount, ring.occupancy)}</li>
            ))}
          </ul>
          <p className="muted small">{t.occupancyNote}</p>
        </section>
        <section>
          <h2>{t.valves}</h2>
          {isolation ? (
            <div data-testid="report-valves" data-valves={isolation.valvesToClose.join(',')}>
              <p>
                {t.valvesFor(isolation.brokenSegmentId)} {isolation.valvesToClose.join('、') || '—'}
              </p>
              {isolation.sourcesToShut.length > 0 && (
                <p>
                  {t.sources}: {isolation.sourcesToShut.join('、')}
                </p>
              )}
              <p>{t.outOfSupply(isolation.segmentsOutOfSupplyCount, isolation.buildingsOutOfSupplyCount)}</p>
            </div>
          ) : (
            <p className="muted">{t.noValves}</p>
          )}
        </section>
        <section>
          <h2>{t.log}</h2>
          <ol className="report-log" data-testid="report-log">
            {(incident.transitions ?? []).map((transition, i) => (
              <li key={i}>
                {time(transition.at)} · {m.transitionKinds[transition.kind] ?? transition.kind}
                {transition.unit ? ` ${unitName(transition.unit, language)}` : ''} · {transition.by === 'system' ? m.system : transition.by} · {WARNING_LEVEL_NAMES[transition.level].roman}
                {transition.note ? ` · ${transition.note}` : ''}
              </li>
            ))}
          </ol>
        </section>
      </article>
    </div>,
    document.body,
  );
}
