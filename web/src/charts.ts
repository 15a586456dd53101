/**
 * Charts over the run, one point per executed statement, drawn with uPlot (canvas, no network).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from './dom.js';

/** The figures sampled after each statement. */
export interface Sample {
  step: number;
  freeFrames: number;
  /** 0..1 */
  fragmentation: number;
  /** 0..1: live heap bytes over heap footprint, over all processes; NaN before any heap. */
  heapUtilization: number;
  /** 0..1: hits over lookups so far; NaN before any lookup. */
  tlbHitRate: number;
  bytesCopied: number;
  pagesMoved: number;
  /** Page faults so far, over every process that ever ran: resolved without I/O (demand zero,
   * copy-on-write, PHYS, a swap-cache hit), and major ones (a page read back from swap). */
  minorFaults: number;
  majorFaults: number;
}

interface ChartSpec {
  id: string;
  title: string;
  series: { label: string; value: (s: Sample) => number; color: string; scale?: string }[];
  format: (value: number) => string;
  percent?: boolean;
}

const percent = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '–');
const count = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '–');

const CHARTS: ChartSpec[] = [
  {
    id: 'free-frames',
    title: 'Free frames',
    series: [{ label: 'free frames', value: (s) => s.freeFrames, color: '#1565c0' }],
    format: count,
  },
  {
    id: 'fragmentation',
    title: 'External fragmentation',
    series: [{ label: 'fragmentation', value: (s) => s.fragmentation, color: '#c62828' }],
    format: percent,
    percent: true,
  },
  {
    id: 'heap-utilization',
    title: 'Heap utilization',
    series: [{ label: 'utilization', value: (s) => s.heapUtilization, color: '#2e7d32' }],
    format: percent,
    percent: true,
  },
  {
    id: 'tlb-hit-rate',
    title: 'TLB hit rate',
    series: [{ label: 'hit rate', value: (s) => s.tlbHitRate, color: '#6a1b9a' }],
    format: percent,
    percent: true,
  },
  {
    id: 'ipc',
    title: 'IPC: bytes copied vs pages moved',
    series: [
      { label: 'bytes copied', value: (s) => s.bytesCopied, color: '#ef6c00', scale: 'bytes' },
      { label: 'pages moved', value: (s) => s.pagesMoved, color: '#00838f', scale: 'pages' },
    ],
    format: count,
  },
  {
    id: 'faults',
    title: 'Page faults: minor vs major',
    series: [
      { label: 'minor', value: (s) => s.minorFaults, color: '#1565c0', scale: 'minor' },
      { label: 'major (read from swap)', value: (s) => s.majorFaults, color: '#c62828', scale: 'major' },
    ],
    format: count,
  },
];

interface Built {
  spec: ChartSpec;
  plot: uPlot;
  now: HTMLElement;
  figure: HTMLElement;
  /** Whether the last statement moved one of the chart's figures (its last points are ringed). */
  changed: boolean;
}

/** Whether two samples of a figure differ (NaN, "no value yet", equals itself). */
function moved(before: number, after: number): boolean {
  return !(before === after || (Number.isNaN(before) && Number.isNaN(after)));
}

/** Rings the last point of every series in red, as the map outlines changed frames. */
function ringLastPoints(u: uPlot): void {
  const xs = u.data[0];
  if (xs.length === 0) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = '#d50000';
  ctx.lineWidth = 2;
  for (let i = 1; i < u.series.length; i++) {
    const y = u.data[i][xs.length - 1];
    if (y === null || y === undefined) continue;
    const scale = u.series[i].scale ?? 'y';
    ctx.beginPath();
    ctx.arc(u.valToPos(xs[xs.length - 1], 'x', true), u.valToPos(y, scale, true), 5, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.restore();
}

export class RunCharts {
  private samples: Sample[] = [];
  private readonly built: Built[] = [];

  constructor(container: HTMLElement) {
    for (const spec of CHARTS) {
      const now = el('span', { class: 'now', 'data-chart-value': spec.id });
      const holder = el('div', { class: 'plot' });
      const figure = el(
        'figure',
        { class: 'chart', id: `chart-${spec.id}` },
        el('h3', {}, spec.title, ' ', now),
        holder,
      );
      figure.style.margin = '0';
      container.append(figure);
      const scales: uPlot.Scales = { x: { time: false, range: (_u, _min, max) => [0, Math.max(1, max)] } };
      const axes: uPlot.Axis[] = [{ incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] }];
      spec.series.forEach((series, i) => {
        const scale = series.scale ?? 'y';
        scales[scale] = spec.percent
          ? { range: [0, 1] }
          : { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] };
        axes.push({
          scale,
          side: i === 0 ? 3 : 1,
          stroke: spec.series.length > 1 ? series.color : undefined,
          values: (_u, values) => values.map((v) => (spec.percent ? `${Math.round(v * 100)}%` : compact(v))),
          grid: { show: i === 0 },
        });
      });
      const plot = new uPlot(
        {
          width: 320,
          height: 130,
          scales,
          axes,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          hooks: {
            draw: [
              (u: uPlot) => {
                if (this.built.find((b) => b.plot === u)?.changed) ringLastPoints(u);
              },
            ],
          },
          series: [
            { label: 'statement' },
            ...spec.series.map((series) => ({
              label: series.label,
              scale: series.scale ?? 'y',
              stroke: series.color,
              width: 2,
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.format(v)),
            })),
          ],
        },
        [[], ...spec.series.map(() => [])],
        holder,
      );
      this.built.push({ spec, plot, now, figure, changed: false });
      new ResizeObserver(() => {
        const width = Math.max(200, Math.floor(holder.clientWidth));
        if (Math.abs(plot.width - width) > 2) plot.setSize({ width, height: 130 });
      }).observe(holder);
    }
  }

  reset(): void {
    this.samples = [];
    this.redraw();
  }

  push(sample: Sample): void {
    this.samples.push(sample);
  }

  /** Redraws every chart from the samples so far (once per frame is enough while playing). */
  redraw(): void {
    const xs = this.samples.map((s) => s.step);
    const last = this.samples[this.samples.length - 1];
    const previous = this.samples[this.samples.length - 2];
    for (const built of this.built) {
      const { spec, plot, now, figure } = built;
      // The figures the last statement moved: the chart is outlined and its last points ringed.
      built.changed =
        last !== undefined &&
        previous !== undefined &&
        spec.series.some((series) => moved(series.value(previous), series.value(last)));
      figure.classList.toggle('changed', built.changed);
      figure.dataset.changed = String(built.changed);
      plot.setData([
        xs,
        ...spec.series.map((series) =>
          this.samples.map((s) => {
            const v = series.value(s);
            return Number.isFinite(v) ? v : null;
          }),
        ),
      ]);
      now.textContent = last ? spec.series.map((series) => spec.format(series.value(last))).join(' / ') : '';
      if (built.changed && !spec.percent && previous) {
        const delta = spec.series[0].value(last) - spec.series[0].value(previous);
        if (Number.isFinite(delta) && delta !== 0)
          now.textContent += ` (${delta > 0 ? '+' : '−'}${compact(Math.abs(delta))})`;
      }
    }
  }
}

function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(2));
}
