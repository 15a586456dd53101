/**
 * Generated malloc traces of small programs, the scale of most real processes (tens to hundreds of
 * KiB live, thousands of operations): a shell, a text editor and a browser tab. Many sizes, few
 * of each, long-lived and short-lived blocks mixed, and the reference driver's rules (realloc of
 * an empty id, free of an empty id). Deterministic: the same seed gives the same trace. Used by
 * the heap benchmark, tests and `examples/traces/`.
 */
import { Random } from '../../common/random.js';
import { type RepTrace, RepTraceBuilder } from '../rep-trace.js';

export type SmallProgram = 'shell' | 'editor' | 'browser-tab';
export const SMALL_PROGRAMS: readonly SmallProgram[] = ['shell', 'editor', 'browser-tab'];

/** A size between `low` and `high`, spread evenly on a log scale (small sizes are the common ones). */
function logSize(rng: Random, low: number, high: number): number {
  return Math.round(low * (high / low) ** rng.next());
}

function takeRandom(ids: number[], rng: Random): number {
  const i = rng.below(ids.length);
  const id = ids[i];
  ids[i] = ids[ids.length - 1];
  ids.pop();
  return id;
}

/** A growable array as C code keeps one: starts NULL, grows by realloc to 1.5 x. */
class GrowingArray {
  readonly id: number;
  capacity = 0;

  constructor(
    private readonly trace: RepTraceBuilder,
    private readonly elementBytes: number,
  ) {
    this.id = trace.emptyId();
  }

  /** Makes room for `count` elements (a realloc of NULL the first time). */
  reserve(count: number): void {
    if (count <= this.capacity) return;
    this.capacity = Math.max(count, Math.ceil(this.capacity * 1.5), 4);
    this.trace.realloc(this.id, this.capacity * this.elementBytes);
  }

  /** Frees it (free of NULL when it never grew) and starts over. */
  clear(): void {
    this.trace.free(this.id);
    this.capacity = 0;
  }
}

/** A shell: environment and history kept, each command parsed into short-lived tokens and argv. */
function shell(t: RepTraceBuilder, rng: Random): void {
  const environment: number[] = [];
  for (let i = 0; i < 60; i++) environment.push(t.alloc(logSize(rng, 12, 300)));
  const table = t.alloc(1024); // the command hash table
  const history: number[] = [];
  const aliases: number[] = [];
  for (let i = 0; i < 25; i++) aliases.push(t.alloc(logSize(rng, 16, 96)));
  for (let command = 0; command < 700; command++) {
    const line = t.alloc(logSize(rng, 8, 200));
    const argv = new GrowingArray(t, 8);
    const tokens: number[] = [];
    const words = 1 + rng.below(9);
    for (let w = 0; w < words; w++) {
      tokens.push(t.alloc(logSize(rng, 2, 64)));
      argv.reserve(w + 2);
    }
    if (rng.next() < 0.3) {
      // A variable expansion: a temporary string built by realloc.
      const expanded = t.emptyId();
      let size = 0;
      for (let part = 0; part < 1 + rng.below(4); part++) {
        size += logSize(rng, 4, 80);
        t.realloc(expanded, size);
      }
      t.free(expanded);
    }
    if (rng.next() < 0.2) {
      const job = t.alloc(96 + rng.below(64));
      const path = t.alloc(logSize(rng, 16, 256));
      t.free(path);
      t.free(job);
    }
    for (const id of tokens) t.free(id);
    argv.clear();
    history.push(line);
    if (history.length > 300) t.free(history.shift()!);
    if (rng.next() < 0.05) {
      // export: one variable replaced.
      t.free(takeRandom(environment, rng));
      environment.push(t.alloc(logSize(rng, 12, 300)));
    }
  }
  for (const id of [...environment, ...history, ...aliases, table]) t.free(id);
}

/** A text editor: a buffer of lines edited in place, undo records, syntax tokens per redraw. */
function editor(t: RepTraceBuilder, rng: Random): void {
  const lines: Array<[number, number]> = [];
  const lineArray = new GrowingArray(t, 8);
  for (let i = 0; i < 900; i++) {
    const size = logSize(rng, 1, 120);
    lines.push([t.alloc(size), size]);
    lineArray.reserve(lines.length);
  }
  const undo: number[] = [];
  const settings: number[] = [];
  for (let i = 0; i < 40; i++) settings.push(t.alloc(logSize(rng, 16, 512)));
  for (let edit = 0; edit < 2500; edit++) {
    const r = rng.next();
    if (r < 0.55) {
      // Typing into a line: it grows by a few bytes.
      const line = lines[rng.below(lines.length)];
      line[1] += 1 + rng.below(12);
      t.realloc(line[0], line[1]);
    } else if (r < 0.65) {
      const size = logSize(rng, 1, 100);
      lines.push([t.alloc(size), size]);
      lineArray.reserve(lines.length);
    } else if (r < 0.72 && lines.length > 100) {
      const i = rng.below(lines.length);
      t.free(lines[i][0]);
      lines[i] = lines[lines.length - 1];
      lines.pop();
    }
    undo.push(t.alloc(logSize(rng, 24, 400)));
    if (undo.length > 200) t.free(undo.shift()!);
    if (edit % 10 === 0) {
      // A redraw: syntax tokens of the visible screen, freed at once.
      const tokens: number[] = [];
      for (let i = 0; i < 40 + rng.below(40); i++) tokens.push(t.alloc(logSize(rng, 16, 48)));
      for (const id of tokens) t.free(id);
    }
  }
  for (const [id] of lines) t.free(id);
  lineArray.clear();
  for (const id of [...undo, ...settings]) t.free(id);
}

/** A browser tab: a DOM of small nodes, style strings, script objects churning, a few images. */
function browserTab(t: RepTraceBuilder, rng: Random): void {
  const dom: number[] = [];
  const styles: number[] = [];
  const images: number[] = [];
  const children = new GrowingArray(t, 8);
  for (let i = 0; i < 1500; i++) {
    dom.push(t.alloc(48 + 16 * rng.below(12)));
    if (rng.next() < 0.4) styles.push(t.alloc(logSize(rng, 8, 160)));
    children.reserve(dom.length);
  }
  for (let i = 0; i < 4; i++) images.push(t.alloc(logSize(rng, 20000, 200000)));
  const scriptHeap: number[] = [];
  for (let tick = 0; tick < 400; tick++) {
    // Script objects: most die young, some survive.
    for (let i = 0; i < 30; i++) {
      scriptHeap.push(t.alloc(logSize(rng, 16, 640)));
      if (scriptHeap.length > 400 || rng.next() < 0.6) t.free(takeRandom(scriptHeap, rng));
    }
    if (tick % 20 === 0) {
      // A layout pass: boxes for every visible node, freed at the end.
      const boxes: number[] = [];
      for (let i = 0; i < 300; i++) boxes.push(t.alloc(72));
      for (const id of boxes) t.free(id);
    }
    if (rng.next() < 0.1) {
      // DOM change: a few nodes replaced.
      for (let i = 0; i < 5; i++) {
        t.free(takeRandom(dom, rng));
        dom.push(t.alloc(48 + 16 * rng.below(12)));
      }
    }
    if (rng.next() < 0.02) {
      t.free(takeRandom(images, rng));
      images.push(t.alloc(logSize(rng, 20000, 200000)));
    }
  }
  for (const id of [...dom, ...styles, ...images, ...scriptHeap]) t.free(id);
  children.clear();
}

/** The trace of `program` (about 10 000 to 40 000 operations). */
export function generateSmallProgram(program: SmallProgram, seed = 1): RepTrace {
  const rng = new Random(seed);
  const t = new RepTraceBuilder(`${program}-${seed}`);
  if (program === 'shell') shell(t, rng);
  else if (program === 'editor') editor(t, rng);
  else browserTab(t, rng);
  // A few free(NULL) calls, as programs make them.
  t.free(t.emptyId());
  return t.build();
}
