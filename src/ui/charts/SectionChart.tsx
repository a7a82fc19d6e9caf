import type { CrossSection } from '../../domain/analysis/cross-section.ts';
import { CJJ61_COLOURS, PIPELINE_TYPE_NAMES } from '../../domain/pipelines.ts';
import type { Language } from '../../store/url-state.ts';
import type { Dictionary } from '../i18n.ts';
import { linearScale, ticks } from './chart-scale.ts';

const WIDTH = 760;
const HEIGHT = 270;
const MARGIN = { left: 46, right: 14, top: 34, bottom: 28 };

export function sizeText(shape: CrossSection['crossings'][number]['shape']): string {
  return shape.kind === 'circular' ? `DN${shape.diameterMillimetres}` : `${shape.widthMillimetres}×${shape.heightMillimetres}`;
}

/** 横断面图: every pipe at true depth and size along the section, with neighbour clearances labelled. */
export function SectionChart({ section, t, language }: { section: CrossSection; t: Dictionary; language: Language }) {
  const { crossings, clearances } = section;
  const deepest = Math.min(-3, ...crossings.map((c) => c.bottomElevationMetres));
  const x = linearScale([0, section.lengthMetres], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([0.6, deepest - 0.4], [MARGIN.top, HEIGHT - MARGIN.bottom]);
  const exaggeration = y.pixelsPerUnit / x.pixelsPerUnit;
  return (
    <div className="chart section-chart" data-testid="section-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t.sectionTitle}>
        <rect x={MARGIN.left} y={y(0)} width={WIDTH - MARGIN.left - MARGIN.right} height={y(y.domain[1]) - y(0)} className="soil" />
        <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} className="ground" />
        {ticks([y.domain[1], 0], 6).map((v) => (
          <g key={`y${v}`}>
            <line x1={MARGIN.left - 4} x2={MARGIN.left} y1={y(v)} y2={y(v)} className="axis" />
            <text x={MARGIN.left - 6} y={y(v) + 4} textAnchor="end" className="tick">{v.toFixed(0)}</text>
          </g>
        ))}
        {ticks([0, section.lengthMetres], 8).map((v) => (
          <text key={`x${v}`} x={x(v)} y={HEIGHT - 8} textAnchor="middle" className="tick">{v.toFixed(0)}</text>
        ))}
        {crossings.map((c, i) => {
          const colour = `rgb(${CJJ61_COLOURS[c.type].join(',')})`;
          const cx = x(c.offsetMetres);
          const rx = Math.max(1.5, (c.widthMetres / 2) * x.pixelsPerUnit);
          const ry = Math.max(1.5, ((c.topElevationMetres - c.bottomElevationMetres) / 2) * y.pixelsPerUnit);
          return (
            <g key={`${c.segmentId}-${i}`} data-segment-id={c.segmentId}>
              {c.shape.kind === 'box' ? (
                <rect x={cx - rx} y={y(c.topElevationMetres)} width={rx * 2} height={ry * 2} fill={colour} className="pipe" />
              ) : (
                <ellipse cx={cx} cy={y(c.centreElevationMetres)} rx={rx} ry={ry} fill={colour} className="pipe" />
              )}
              <line x1={cx} x2={cx} y1={y(0)} y2={y(c.topElevationMetres)} className="leader" />
              <text x={cx} y={MARGIN.top - 20 + (i % 2) * 10} textAnchor="middle" className="pipe-number">{i + 1}</text>
            </g>
          );
        })}
        {clearances.map((c) => {
          const left = crossings[c.left]!;
          const right = crossings[c.right]!;
          const value = c.governing === 'horizontal' ? c.horizontalMetres : c.verticalMetres;
          const mx = (x(left.offsetMetres) + x(right.offsetMetres)) / 2;
          return (
            <text key={`c${c.left}`} x={mx} y={y(0) - 4 - (c.left % 2) * 9} textAnchor="middle" className={c.violation ? 'clearance violation' : 'clearance'} data-testid="section-clearance">
              {`${c.governing === 'vertical' ? '↕' : ''}${value.toFixed(2)}`}
            </text>
          );
        })}
        <text x={WIDTH - MARGIN.right} y={14} textAnchor="end" className="tick">{`${t.elevation} · ${t.verticalExaggeration(exaggeration)}`}</text>
      </svg>
      <table className="chart-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{t.type}</th>
            <th>ID</th>
            <th>{t.size}</th>
            <th>{t.cover}</th>
            <th>{t.offset}</th>
            <th>{`→ ${t.horizontal} / ${t.vertical}`}</th>
          </tr>
        </thead>
        <tbody>
          {crossings.map((c, i) => {
            const next = clearances.find((cl) => cl.left === i);
            return (
              <tr key={`${c.segmentId}-${i}`} data-testid="section-pipe" data-pipeline-type={c.type}>
                <td>{i + 1}</td>
                <td>{PIPELINE_TYPE_NAMES[c.type][language]}</td>
                <td><code>{c.segmentId}</code></td>
                <td>{sizeText(c.shape)}</td>
                <td>{(-c.topElevationMetres).toFixed(2)}</td>
                <td>{c.offsetMetres.toFixed(2)}</td>
                <td className={next?.violation ? 'violation' : undefined}>
                  {next ? `${next.horizontalMetres.toFixed(2)} / ${next.verticalMetres.toFixed(2)}${next.requiredMetres !== undefined ? ` (${t.required} ${next.governing === 'horizontal' ? t.horizontal : t.vertical} ${next.requiredMetres.toFixed(2)})` : ''}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
