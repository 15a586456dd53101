/**
 * What one statement changed, in the domain's words: the frames it took, freed, shared or handed
 * over, the processes it made or ended, what the TLB did. The page captures the machine before a
 * step (copies of the frame table's arrays, the TLB's counters and entries) and compares after;
 * the changed frames, TLB rows and counters are then outlined in their views.
 */
import { FrameState, FrameUse, type ScenarioMachine } from '../../src/index.js';

export interface MachineBefore {
  state: Uint8Array;
  use: Uint8Array;
  owner: Uint16Array;
  refCount: Uint16Array;
  tlb: { hits: number; misses: number; evictions: number; flushes: number; invalidatedEntries: number };
  tlbKeys: Set<string>;
  processes: Map<number, string>;
}

export interface Change {
  /** One or two sentences a line (the first says which statement ran). */
  sentences: string[];
  /** Frames whose state, use, owner or reference count changed. */
  frames: Int32Array;
  /** TLB entries (`set:way:va:asid`) that are new. */
  tlbRows: Set<string>;
  /** TLB counters that moved (`hits`, `misses`, `evictions`, `flushes`). */
  counters: Set<string>;
}

/** The key of a TLB entry, the same before and after a step when the entry stayed. */
export function tlbKey(entry: { index: number; va: number; asid: number; pa: number }): string {
  return `${entry.index}:${entry.va}:${entry.asid}:${entry.pa}`;
}

export function captureMachine(machine: ScenarioMachine): MachineBefore {
  const frames = machine.pmm.frames;
  const tlb = machine.vm.mmu.tlb;
  return {
    state: frames.state.slice(),
    use: frames.use.slice(),
    owner: frames.owner.slice(),
    refCount: frames.refCount.slice(),
    tlb: { ...tlb.counters() },
    tlbKeys: new Set(tlb.snapshot().map(tlbKey)),
    processes: new Map(machine.processes.map((p) => [p.pid, p.name])),
  };
}

const USE_WORDS: Record<number, [string, string]> = {
  [FrameUse.Kernel]: ['kernel data frame', 'kernel data frames'],
  [FrameUse.PageTable]: ['page table', 'page tables'],
  [FrameUse.User]: ['user page', 'user pages'],
  [FrameUse.Message]: ['message frame', 'message frames'],
};

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Groups frames by what they are and whose: "2 page tables of child, 1 user page of child". */
function describeGroups(groups: Map<string, number>): string {
  return [...groups]
    .map(([label, n]) => label.replace('#', String(n)).replace(/\{(.*?)\|(.*?)\}/, n === 1 ? '$1' : '$2'))
    .join(', ');
}

function groupLabel(use: number, owner: number, ownerName: (owner: number) => string): string {
  const [one, many] = USE_WORDS[use] ?? ['frame for ppm_alloc', 'frames for ppm_alloc'];
  const whose = owner === 0 ? (use === FrameUse.User ? '' : ' of the kernel') : ` of ${ownerName(owner)}`;
  return `# {${one}|${many}}${whose}`;
}

/** Compares the machine now with what it was before one statement. */
export function explainChange(
  before: MachineBefore | null,
  machine: ScenarioMachine,
  statement: string,
): Change {
  const sentences = [statement];
  const changed: number[] = [];
  const counters = new Set<string>();
  const tlbRows = new Set<string>();
  if (before === null || before.state.length !== machine.pmm.frames.frameCount) {
    sentences.push('The machine booted: every frame and table is new.');
    return { sentences, frames: new Int32Array(0), tlbRows, counters };
  }
  const ownerName = (owner: number) => (owner === 0 ? 'the kernel' : machine.ownerName(owner));

  const processesNow = new Map(machine.processes.map((p) => [p.pid, p.name]));
  const born = [...processesNow].filter(([pid]) => !before.processes.has(pid));
  const ended = [...before.processes].filter(([pid]) => !processesNow.has(pid));
  const lives: string[] = [];
  for (const [pid, name] of born) lives.push(`process ${name} (pid ${pid}) was created`);
  for (const [, name] of ended) lives.push(`process ${name} ended`);

  const { state, use, owner, refCount } = machine.pmm.frames;
  const taken = new Map<string, number>();
  let freed = 0;
  let nowShared = 0;
  let unshared = 0;
  let handedOver = 0;
  const sharedCounts = new Set<number>();
  for (let pfn = 0; pfn < state.length; pfn++) {
    const wasState = before.state[pfn];
    if (
      wasState === state[pfn] &&
      before.use[pfn] === use[pfn] &&
      before.owner[pfn] === owner[pfn] &&
      before.refCount[pfn] === refCount[pfn]
    )
      continue;
    changed.push(pfn);
    if (wasState !== FrameState.Allocated && state[pfn] === FrameState.Allocated) {
      const label = groupLabel(use[pfn], owner[pfn], ownerName);
      taken.set(label, (taken.get(label) ?? 0) + 1);
    } else if (wasState === FrameState.Allocated && state[pfn] !== FrameState.Allocated) freed++;
    else if (state[pfn] === FrameState.Allocated) {
      if (before.refCount[pfn] <= 1 && refCount[pfn] > 1) {
        nowShared++;
        sharedCounts.add(refCount[pfn]);
      } else if (before.refCount[pfn] > 1 && refCount[pfn] <= 1) unshared++;
      if (before.owner[pfn] !== owner[pfn]) handedOver++;
    }
  }
  const frameWords: string[] = [];
  if (taken.size > 0) {
    const n = [...taken.values()].reduce((a, b) => a + b, 0);
    frameWords.push(`${counted(n, 'frame', 'frames')} taken: ${describeGroups(taken)}`);
  }
  if (freed > 0) frameWords.push(`${counted(freed, 'frame', 'frames')} given back`);
  if (nowShared > 0)
    frameWords.push(
      `${counted(nowShared, 'frame now has', 'frames now have')} refcount ${[...sharedCounts].join(' or ')} (shared, copy-on-write until written)`,
    );
  if (unshared > 0) frameWords.push(`${counted(unshared, 'frame is', 'frames are')} no longer shared`);
  if (handedOver > 0) frameWords.push(`${counted(handedOver, 'frame changed', 'frames changed')} owner`);

  const tlbNow = machine.vm.mmu.tlb;
  const c = tlbNow.counters();
  const tlbWords: string[] = [];
  const hits = c.hits - before.tlb.hits;
  const misses = c.misses - before.tlb.misses;
  const flushes = c.flushes - before.tlb.flushes;
  const evictions = c.evictions - before.tlb.evictions;
  if (hits > 0) {
    counters.add('hits');
    tlbWords.push(counted(hits, 'hit', 'hits'));
  }
  if (misses > 0) {
    counters.add('misses');
    tlbWords.push(`${counted(misses, 'miss', 'misses')} (a page-table walk each)`);
  }
  if (evictions > 0) {
    counters.add('evictions');
    tlbWords.push(`${counted(evictions, 'entry', 'entries')} evicted`);
  }
  if (flushes > 0) {
    counters.add('flushes');
    const gone = c.invalidatedEntries - before.tlb.invalidatedEntries;
    tlbWords.push(
      `flushed ${flushes === 1 ? 'once' : `${flushes} times`} (${counted(gone, 'entry', 'entries')} dropped)`,
    );
  }
  if (hits + misses > 0) counters.add('hit-rate');
  for (const entry of tlbNow.snapshot()) {
    const key = tlbKey(entry);
    if (!before.tlbKeys.has(key)) tlbRows.add(key);
  }
  if (tlbRows.size > 0 || flushes > 0) counters.add('valid');

  const said = [...lives, ...frameWords];
  if (said.length > 0) sentences.push(`${capitalize(said.join('; '))}.`);
  if (tlbWords.length > 0) sentences.push(`TLB: ${tlbWords.join(', ')}.`);
  if (said.length === 0 && tlbWords.length === 0) sentences.push('No frame, table or TLB entry changed.');
  return { sentences, frames: Int32Array.from(changed), tlbRows, counters };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
