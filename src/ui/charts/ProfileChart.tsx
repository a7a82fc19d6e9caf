import type { LongitudinalProfile } from '../../domain/analysis/profile.ts';
import { CJJ61_COLOURS, type PipelineType } from '../../domain/pipelines.ts';
import type { Dictionary } from '../i18n.ts';
import { linearScale, ticks } from './chart-scale.ts';

const WIDTH = 760;
const HEIGHT = 250;
const MARGIN = { left: 46, right: 14, top: 22, bottom: 28 };

/** 纵断面图: ground, pipe top and invert along the run, manholes to their depth, grades in ‰. */
export function ProfileChart({ profile, type, t }: { profile: LongitudinalProfile; type: PipelineType; t: Dictionary }) {
  const lowest = Math.min(...profile.segments.map((s) => Math.min(s.startInvertMetres, s.endInvertMetres)), ...profile.nodes.map((n) => n.groundElevationMetres - (n.asset?.depthMetres ?? 0)));
  const highest = Math.max(0, ...profile.nodes.map((n) => n.groundElevationMetres));
  const x = linearScale([0, Math.max(1, profile.lengthMetres)], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([highest + 0.5, lowest - 0.5], [MARGIN.top, HEIGHT - MARGIN.bottom]);
  const colour = `rgb(${CJJ61_COLOURS[type].join(',')})`;
  const groundPath = profile.nodes.map((n, i) => `${i ? 'L' : 'M'}${x(n.stationMetres)},${y(n.groundElevationMetres)}`).join(' ');
  return (
    <div className="chart profile-chart" data-testid="profile-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t.profileTitle}>
        {ticks([y.domain[1], y.domain[0]], 6).map((v) => (
          <g key={`y${v}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={MARGIN.left - 6} y={y(v) + 4} textAnchor="end" className="tick">{v.toFixed(0)}</text>
          </g>
        ))}
        {ticks([0, profile.lengthMetres], 8).map((v) => (
          <text key={`x${v}`} x={x(v)} y={HEIGHT - 8} textAnchor="middle" className="tick">{v.toFixed(0)}</text>
        ))}
        <path d={groundPath} className="ground" fill="none" />
        {profile.nodes.map((n) =>
          n.asset?.depthMetres !== undefined ? <rect key={n.id} x={x(n.stationMetres) - 2.5} y={y(n.groundElevationMetres)} width={5} height={y(n.groundElevationMetres - n.asset.depthMetres) - y(n.groundElevationMetres)} className="manhole" /> : null,
        )}
        {profile.segments.map((s) => {
          const points = [
            [x(s.startStationMetres), y(s.startTopMetres)],
            [x(s.endStationMetres), y(s.endTopMetres)],
            [x(s.endStationMetres), y(s.endInvertMetres)],
            [x(s.startStationMetres), y(s.startInvertMetres)],
          ];
          const wide = x(s.endStationMetres) - x(s.startStationMetres) > 34;
          return (
            <g key={s.id} data-segment-id={s.id}>
              <polygon points={points.map((p) => p.join(',')).join(' ')} fill={colour} className="pipe" />
              {wide && (
                <text x={(x(s.startStationMetres) + x(s.endStationMetres)) / 2} y={y(Math.max(s.startTopMetres, s.endTopMetres)) - 5} textAnchor="middle" className="grade">
                  {`${s.gradePerMille.toFixed(1)}‰`}
                </text>
              )}
            </g>
          );
        })}
        <text x={WIDTH - MARGIN.right} y={12} textAnchor="end" className="tick">{`${t.elevation} · ${t.verticalExaggeration(y.pixelsPerUnit / x.pixelsPerUnit)}`}</text>
      </svg>
      <table className="chart-table">
        <thead>
          <tr>
            <th>ID</th>
            <th>{t.station}</th>
            <th>{t.size}</th>
            <th>{t.grade}</th>
            <th>{t.invert}</th>
          </tr>
        </thead>
        <tbody>
          {profile.segments.map((s) => (
            <tr key={s.id} data-testid="profile-segment">
              <td><code>{s.id}</code></td>
              <td>{`${s.startStationMetres.toFixed(1)} – ${s.endStationMetres.toFixed(1)}`}</td>
              <td>{(s.heightMetres * 1000).toFixed(0)}</td>
              <td>{s.gradePerMille.toFixed(2)}</td>
              <td>{`${s.startInvertMetres.toFixed(2)} → ${s.endInvertMetres.toFixed(2)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
