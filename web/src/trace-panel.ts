/**
 * The page-replacement panel: a memory trace (bundled from examples/traces/mem/, or a file the
 * user opens, lackey or R/W), the policies and a frame range; shows the comparison table and the
 * faults-against-frames curve with Belady's anomaly marked. It calls comparePolicies and
 * faultCurve, the same functions as `pageframe trace --compare` and `--curve`.
 */
import {
  type Anomaly,
  comparePolicies,
  createTraceParser,
  type FaultCurve,
  faultCurve,
  guessTraceFormat,
  MAX_CURVE_POINTS,
  type MemoryTrace,
  type MemoryTraceFormat,
  PAGING_FORMATS,
  type PagingFormat,
  POLICY_NAMES,
  type PolicyName,
  type TraceReplayResult,
} from '../../src/index.js';
import { el, table } from './dom.js';
import { type ChartedCurve, POLICY_COLORS, TraceCurveChart } from './trace-curve-chart.js';
import './trace-panel.css';

const files = import.meta.glob('../../examples/traces/mem/*', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The bundled traces by name under examples/traces/mem/ ("belady.rw"). */
export const TRACE_EXAMPLES: { name: string; text: string }[] = Object.entries(files)
  .map(([path, text]) => ({ name: path.slice(path.lastIndexOf('/') + 1), text }))
  .sort((a, b) => a.name.localeCompare(b.name));

const FIRST_EXAMPLE = TRACE_EXAMPLES.some((t) => t.name === 'belady.rw')
  ? 'belady.rw'
  : TRACE_EXAMPLES[0]?.name;
const DEFAULT_POLICIES: readonly PolicyName[] = ['fifo', 'lru', 'opt'];
const OPENED = 'opened';
/** Accesses replayed (over every policy and frame count) beyond which the page paints first. */
const PAINT_FIRST_WORK = 200_000;

interface ReplayJob {
  name: string;
  trace: MemoryTrace;
  policies: PolicyName[];
  frames: number;
  from: number;
  to: number;
  paging: PagingFormat;
}

export class TracePanel {
  private readonly example = el('select', { id: 'trace-example', 'aria-label': 'Memory trace' });
  private readonly file = el('input', { type: 'file', id: 'trace-file', 'aria-label': 'Open a trace file' });
  private readonly format = el('select', { id: 'trace-format', 'aria-label': 'Trace format' });
  private readonly paging = el('select', { id: 'trace-paging', 'aria-label': 'Page-table format' });
  private readonly policyBoxes = new Map<PolicyName, HTMLInputElement>();
  private readonly compareFrames = numberInput('trace-frames', 3);
  private readonly from = numberInput('trace-from', 1);
  private readonly to = numberInput('trace-to', 6);
  private readonly status = el('p', { id: 'trace-status', class: 'trace-status', 'aria-live': 'polite' });
  private readonly error = el('div', { id: 'trace-error', class: 'error', role: 'alert', hidden: true });
  private readonly compareOut = el('div', { id: 'trace-compare', class: 'trace-compare' });
  private readonly anomalies = el('ul', { id: 'trace-anomalies', class: 'trace-anomalies' });
  private readonly curveTable = el('div', { id: 'trace-curve-table' });
  private readonly chart = new TraceCurveChart();
  /** The text of the file the user opened, with its name. */
  private opened: { name: string; text: string } | null = null;
  /** Counts replays asked for: a deferred one runs only if no later one was asked. */
  private generation = 0;

  constructor(private readonly container: HTMLElement) {
    for (const t of TRACE_EXAMPLES) this.example.append(el('option', { value: t.name }, t.name));
    this.example.value = FIRST_EXAMPLE ?? '';
    for (const f of ['auto', 'lackey', 'rw'])
      this.format.append(el('option', { value: f }, f === 'rw' ? 'R/W' : f));
    for (const f of PAGING_FORMATS) this.paging.append(el('option', { value: f }, f));
    this.paging.value = 'x86-64';
    const policies = el('fieldset', { class: 'trace-policies' }, el('legend', {}, 'Policies'));
    for (const policy of POLICY_NAMES) {
      const box = el('input', { type: 'checkbox', value: policy, 'data-policy': policy });
      box.checked = DEFAULT_POLICIES.includes(policy);
      this.policyBoxes.set(policy, box);
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = POLICY_COLORS[policy];
      policies.append(el('label', {}, box, swatch, policy));
    }
    const run = el('button', { type: 'submit', id: 'trace-run' }, 'Replay');
    const form = el(
      'form',
      { class: 'trace-form' },
      el('label', { class: 'field' }, 'Trace ', this.example),
      el(
        'label',
        { class: 'field', title: 'A valgrind lackey trace, or one R ADDR / W ADDR a line' },
        'or open ',
        this.file,
      ),
      el('label', { class: 'field' }, 'Format ', this.format),
      el('label', { class: 'field' }, 'Paging ', this.paging),
      policies,
      el('label', { class: 'field' }, 'Table at ', this.compareFrames, ' frames'),
      el('label', { class: 'field' }, 'Curve from ', this.from),
      el('label', { class: 'field' }, ' to ', this.to, ' frames'),
      run,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.replay();
    });
    this.example.addEventListener('change', () => {
      if (this.example.value !== OPENED) this.replay();
    });
    this.file.addEventListener('change', () => void this.openFile());
    container.append(
      form,
      this.error,
      this.status,
      el('h3', {}, 'Policies compared'),
      this.compareOut,
      el('h3', {}, 'Page faults against resident frames'),
      this.chart.figure,
      this.anomalies,
      el(
        'details',
        { class: 'trace-curve-details' },
        el('summary', {}, 'The curve as a table'),
        this.curveTable,
      ),
    );
    this.replay();
  }

  /** The chart's data as drawn (tests reach it through window.playground). */
  charted(): ChartedCurve | null {
    return this.chart.charted();
  }

  private async openFile(): Promise<void> {
    const picked = this.file.files?.[0];
    if (!picked) return;
    this.opened = { name: picked.name, text: await picked.text() };
    let option = this.example.querySelector<HTMLOptionElement>(`option[value="${OPENED}"]`);
    if (!option) {
      option = el('option', { value: OPENED });
      this.example.append(option);
    }
    option.textContent = picked.name;
    this.example.value = OPENED;
    this.replay();
  }

  /**
   * Parses the chosen trace and replays it; a bad trace or setting is shown, nothing else changes.
   * A long replay first says so and lets the page paint: it runs on the page's thread.
   */
  replay(): void {
    const generation = ++this.generation;
    try {
      const job = this.readForm();
      const work = job.trace.count * job.policies.length * (job.to - job.from + 2);
      if (work <= PAINT_FIRST_WORK) {
        this.finish(job);
        return;
      }
      this.container.dataset.busy = 'true';
      this.status.textContent = `${job.name}: replaying ${job.trace.count} accesses under ${job.policies.length} policies at ${job.to - job.from + 2} frame counts…`;
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (generation !== this.generation) return;
          this.guard(() => this.finish(job));
        }, 0),
      );
    } catch (error) {
      this.showError(error);
    }
  }

  private readForm(): ReplayJob {
    const { name, text } = this.chosenTrace();
    const trace = this.parse(name, text);
    const policies = POLICY_NAMES.filter((p) => this.policyBoxes.get(p)?.checked);
    if (policies.length === 0) throw new Error('choose at least one policy');
    const frames = wholeNumber(this.compareFrames, 'the table’s frames');
    const from = wholeNumber(this.from, 'the curve’s first frame count');
    const to = wholeNumber(this.to, 'the curve’s last frame count');
    if (to - from + 1 > MAX_CURVE_POINTS) throw new Error(`a curve has at most ${MAX_CURVE_POINTS} points`);
    return { name, trace, policies, frames, from, to, paging: this.paging.value as PagingFormat };
  }

  private finish(job: ReplayJob): void {
    delete this.container.dataset.busy;
    const results = comparePolicies(job.trace, { frames: job.frames, paging: job.paging }, job.policies);
    const curve = faultCurve(job.trace, job.from, job.to, { paging: job.paging }, job.policies);
    this.error.hidden = true;
    this.renderComparison(results);
    this.renderCurve(curve, job.policies);
    this.status.textContent = `${job.name}: ${results[0].accesses} accesses to ${results[0].pages} pages`;
  }

  private guard(act: () => void): void {
    try {
      act();
    } catch (error) {
      this.showError(error);
    }
  }

  private showError(error: unknown): void {
    delete this.container.dataset.busy;
    this.error.hidden = false;
    this.error.textContent = error instanceof Error ? error.message : String(error);
  }

  private chosenTrace(): { name: string; text: string } {
    if (this.example.value === OPENED && this.opened) return this.opened;
    const bundled = TRACE_EXAMPLES.find((t) => t.name === this.example.value);
    if (!bundled) throw new Error('choose a trace');
    return bundled;
  }

  private parse(name: string, text: string): MemoryTrace {
    const chosen = this.format.value;
    const format: MemoryTraceFormat =
      chosen === 'lackey' || chosen === 'rw' ? chosen : guessTraceFormat(name, text);
    const parser = createTraceParser(format);
    parser.push(text);
    return parser.end();
  }

  private renderComparison(results: TraceReplayResult[]): void {
    const rate = (part: number, whole: number) =>
      `${whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1)} %`;
    const best = Math.min(...results.map((r) => r.pageFaults));
    const t = table(
      ['policy', 'faults', 'major', 'minor', 'evictions', 'fault rate', 'TLB hits'],
      results.map((r) => [
        r.policy,
        r.pageFaults,
        r.majorFaults,
        r.minorFaults,
        r.evictions,
        rate(r.pageFaults, r.accesses),
        rate(r.tlbHits, r.accesses),
      ]),
      'trace-table',
    );
    t.querySelectorAll('tbody tr').forEach((row, i) => {
      const r = results[i];
      row.setAttribute('data-policy', r.policy);
      row.setAttribute('data-faults', String(r.pageFaults));
      if (r.pageFaults === best) row.classList.add('fewest');
    });
    t.caption = el('caption', {}, `${results[0].frames} resident frames, ${results[0].paging} paging`);
    this.compareOut.replaceChildren(t);
  }

  private renderCurve(curve: FaultCurve, policies: PolicyName[]): void {
    this.chart.show(curve, policies);
    const isAnomaly = (policy: PolicyName, frames: number) =>
      curve.anomalies.some((a) => a.policy === policy && a.frames === frames);
    const t = table(
      ['frames', ...policies],
      curve.points.map((p) => [p.frames, ...policies.map((policy) => p.faults[policy])]),
      'trace-table',
    );
    t.querySelectorAll('tbody tr').forEach((row, i) => {
      const point = curve.points[i];
      row.setAttribute('data-frames', String(point.frames));
      row.querySelectorAll('td').forEach((cell, c) => {
        if (c === 0) return;
        const policy = policies[c - 1];
        cell.setAttribute('data-policy', policy);
        if (isAnomaly(policy, point.frames)) {
          cell.classList.add('anomaly');
          cell.title = 'more faults than with one frame less: Belady’s anomaly';
        }
      });
    });
    this.curveTable.replaceChildren(t);
    this.anomalies.replaceChildren(
      ...(curve.anomalies.length === 0
        ? [el('li', { class: 'muted' }, 'No anomaly: no policy faulted more with more frames.')]
        : curve.anomalies.map((a) => anomalyItem(a))),
    );
  }
}

function anomalyItem(a: Anomaly): HTMLElement {
  return el(
    'li',
    { class: 'anomaly', 'data-policy': a.policy, 'data-frames': a.frames },
    `Belady’s anomaly: ${a.policy} faults ${a.faults} times with ${a.frames} frames, ${a.fewerFaults} with ${a.fewerFrames}`,
  );
}

function numberInput(id: string, value: number): HTMLInputElement {
  const input = el('input', { type: 'number', id, min: 1, step: 1, value, size: 5 });
  return input;
}

function wholeNumber(input: HTMLInputElement, what: string): number {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a whole number of at least 1`);
  return value;
}
