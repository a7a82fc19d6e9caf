import { useEffect, useRef } from 'react';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerChartParts, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

registerChartParts([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface TrendSeries {
  name: string;
  unit: string;
  /** One value per month (null: not computable that month). */
  values: (number | null)[];
}

/** Indicators by month (ECharts, loaded with the panel's chart only). */
export function TrendChart({ months, series }: { months: string[]; series: TrendSeries[] }) {
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
    chart.current?.setOption({
      backgroundColor: 'transparent',
      animation: false,
      grid: { left: 40, right: 12, top: 40, bottom: 24 },
      legend: { type: 'scroll', top: 0, textStyle: { fontSize: 10 } },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: months, axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', axisLabel: { fontSize: 10 }, splitLine: { lineStyle: { color: 'rgba(255,255,255,0.08)' } } },
      series: series.map((s) => ({ type: 'line', name: s.name, connectNulls: false, data: s.values.map((v) => (v === null ? null : Math.round(v * 10) / 10)), tooltip: { valueFormatter: (v: unknown) => (v === null || v === undefined ? '—' : `${String(v)} ${s.unit}`) } })),
    }, true);
  }, [months, series]);
  return <div className="checkup-chart" ref={element} data-testid="checkup-trend-chart" data-months={months.length} />;
}
