import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSettings } from '../../lib/settings';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

/**
 * A time-series line chart (uPlot: canvas, cheap to redraw every few seconds). `x` is epoch
 * seconds; the axis follows the local/UTC setting.
 */
export function Chart({ x, series, height = 180, yLabel, testId }: { x: number[]; series: ChartSeries[]; height?: number; yLabel?: string; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { tz, theme } = useSettings();
  const shape = `${series.map((s) => s.label).join('|')}|${tz}|${theme}|${height}`;

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const axisColor = theme === 'dark' ? '#9aa4b2' : '#4b5563';
    const grid = { stroke: theme === 'dark' ? '#2a3140' : '#e5e7eb', width: 1 };
    const opts: uPlot.Options = {
      width: Math.max(200, node.clientWidth),
      height,
      tzDate: tz === 'utc' ? (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') : undefined,
      scales: { x: { time: true } },
      axes: [
        { stroke: axisColor, grid },
        { stroke: axisColor, grid, label: yLabel, size: 50 },
      ],
      legend: { live: true },
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false } }))],
    };
    const u = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, node);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, node.clientWidth), height }));
    ro.observe(node);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // recreate only when the chart's shape changes; data updates go through setData below
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return <div className="chart" ref={el} data-testid={testId} data-points={x.length} />;
}
