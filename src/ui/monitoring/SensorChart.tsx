import { useEffect, useRef } from 'react';
import { LineChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerChartParts, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import { SENSOR_STATE_COLOURS, WARNING_LEVEL_NAMES, type WarningLevel } from '../../domain/monitoring/warning.ts';

registerChartParts([LineChart, GridComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export interface SensorChartProps {
  points: { time: string; value: number }[];
  unit: string;
  rule?: ThresholdRule;
}

/** A sensor's readings over time with its threshold lines (ECharts, as on city dashboards). */
export function SensorChart({ points, unit, rule }: SensorChartProps) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | undefined>(undefined);
  useEffect(() => {
    if (!element.current) return;
    const instance = init(element.current, 'dark', { renderer: 'canvas' });
    chart.current = instance;
    return () => {
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    const levels = rule ? ([4, 3, 2, 1] as WarningLevel[]) : [];
    chart.current?.setOption({
      backgroundColor: 'transparent',
      animation: false,
      grid: { left: 44, right: 46, top: 12, bottom: 24 },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${String(v)} ${unit}` },
      xAxis: { type: 'time', axisLabel: { fontSize: 10, hideOverlap: true } },
      yAxis: { type: 'value', scale: true, name: unit, nameTextStyle: { fontSize: 10 }, axisLabel: { fontSize: 10 }, splitLine: { lineStyle: { color: 'rgba(255,255,255,0.08)' } } },
      series: [
        {
          type: 'line',
          showSymbol: false,
          lineStyle: { width: 1.5, color: '#7fd3ff' },
          data: points.map((p) => [p.time, p.value]),
          markLine: {
            symbol: 'none',
            silent: true,
            label: { fontSize: 9, formatter: (d: { name?: string }) => d.name ?? '' },
            data: levels.map((level) => ({ name: WARNING_LEVEL_NAMES[level].roman, yAxis: rule!.levels[String(level) as '1'], lineStyle: { color: SENSOR_STATE_COLOURS[level], type: 'dashed' } })),
          },
        },
      ],
    });
  }, [points, unit, rule]);
  return <div className="sensor-chart" ref={element} data-testid="sensor-chart" data-points={points.length} />;
}
