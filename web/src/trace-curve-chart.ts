/**
 * The faults-against-frames chart of the page-replacement panel: one line per policy (uPlot),
 * each point where more frames gave more faults (Belady's anomaly) ringed in red and labelled.
 */
import uPlot from 'uplot';
import type { FaultCurve, PolicyName } from '../../src/index.js';
import { el } from './dom.js';

/** A colour per policy, the same in the chart, its legend and the tables. */
export const POLICY_COLORS: Record<PolicyName, string> = {
  fifo: '#c62828',
  clock: '#ef6c00',
  aging: '#6a1b9a',
  lru: '#1565c0',
  opt: '#2e7d32',
  random: '#616161',
};

const HEIGHT = 220;
const RING_RADIUS = 7;

/** What the chart shows, as it holds it: read back by the browser test. */
export interface ChartedCurve {
  frames: number[];
  faults: Record<string, number[]>;
  /** The anomalies ringed at the last draw, with where they were drawn (canvas pixels). */
  marked: { policy: PolicyName; frames: number; faults: number; x: number; y: number }[];
}

export class TraceCurveChart {
  readonly figure: HTMLElement;
  private plot: uPlot | null = null;
  private readonly holder = el('div', { class: 'plot' });
  private curve: FaultCurve | null = null;
  private policies: PolicyName[] = [];
  private marked: ChartedCurve['marked'] = [];

  constructor() {
    this.figure = el('figure', { class: 'chart trace-curve', id: 'trace-curve' }, this.holder);
    new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && Math.abs(this.plot.width - width) > 2) this.plot.setSize({ width, height: HEIGHT });
    }).observe(this.holder);
  }

  /** Draws a new curve (a new plot: the policies, hence the series, may differ). */
  show(curve: FaultCurve, policies: PolicyName[]): void {
    this.curve = curve;
    this.policies = policies;
    this.plot?.destroy();
    const frames = curve.points.map((p) => p.frames);
    const data: uPlot.AlignedData = [
      frames,
      ...policies.map((policy) => curve.points.map((p) => p.faults[policy])),
    ];
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.25, max + 0.25] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        axes: [
          { label: 'resident frames', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
          {
            label: 'page faults',
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e5, 1e6],
          },
        ],
        cursor: { drag: { x: false, y: false } },
        hooks: { draw: [(u: uPlot) => this.ringAnomalies(u)] },
        series: [
          { label: 'frames' },
          ...policies.map((policy) => ({
            label: policy,
            stroke: POLICY_COLORS[policy],
            width: 2,
            points: { show: true, size: 6 },
          })),
        ],
      },
      data,
      this.holder,
    );
  }

  /** The curve as the plot holds it, and the rings drawn (for tests and the console). */
  charted(): ChartedCurve | null {
    if (!this.plot) return null;
    const [frames, ...series] = this.plot.data;
    const faults: Record<string, number[]> = {};
    this.policies.forEach((policy, i) => {
      faults[policy] = Array.from(series[i], (v) => v ?? Number.NaN);
    });
    return { frames: Array.from(frames), faults, marked: this.marked };
  }

  private width(): number {
    return Math.max(260, Math.floor(this.holder.clientWidth || 600));
  }

  /** A red ring and a label on each anomalous point, over the lines. */
  private ringAnomalies(u: uPlot): void {
    this.marked = [];
    if (!this.curve) return;
    const ctx = u.ctx;
    const ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = '#d50000';
    ctx.fillStyle = '#d50000';
    ctx.lineWidth = 2 * ratio;
    ctx.font = `${11 * ratio}px sans-serif`;
    for (const anomaly of this.curve.anomalies) {
      if (!this.policies.includes(anomaly.policy)) continue;
      const x = u.valToPos(anomaly.frames, 'x', true);
      const y = u.valToPos(anomaly.faults, 'y', true);
      ctx.beginPath();
      ctx.arc(x, y, RING_RADIUS * ratio, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillText(`${anomaly.policy}: Belady`, x + (RING_RADIUS + 3) * ratio, y - (RING_RADIUS + 2) * ratio);
      this.marked.push({ policy: anomaly.policy, frames: anomaly.frames, faults: anomaly.faults, x, y });
    }
    ctx.restore();
  }
}
