/**
 * MMU figures, each a ratio of timings taken in this run, for every format (i386, x86-64, Sv39)
 * through the public path an emulator uses (Mmu.translate and Mmu.translateRange), keyed by
 * format name. The address pattern: 4096 addresses at random offsets in 48 mapped user pages,
 * consecutive accesses on different pages.
 * - tlbHitVsRaw: translate() hitting the TLB (64 entries, 4 ways) / a typed-array read at each address;
 * - hitFloorNs, hitFloorVsRaw, hitVsFloor: a tag-compare hit written by hand (hitFloor), what a
 *   hit cost at best before the hit index by page number;
 * - walkVsRaw: translate() missing every time (a 1-entry TLB), so each access walks the tables in
 *   RAM (the leaf entry only, on x86-64 and Sv39, once the paging-structure cache holds the
 *   span), checks rights and A / D and fills the TLB / the same read; walkVsRawNoStructureCache
 *   the same with the paging-structure cache off (missNsNoStructureCache);
 * - batchVsRaw: translateRange() over 16 TLB-resident pages, a word at a time (16384 words) /
 *   reading as many words from a Uint32Array.
 * The parts of a miss, in ns per access: walkOnlyNsPerAccess (translateUntracked: the walk and
 * its checks, no TLB, no A / D update) and tableReadsNsPerAccess (only the dependent reads of the
 * entries a 4 KiB walk reads, through the same RAM accessor: the floor of any walk); and
 * walkVsTableReads, the miss over that floor; missFillNsPerAccess (missFillVsRaw): the TLB's set
 * search and fill alone, what every miss does beside reading entries; minimalMissNs
 * (minimalMissVsRaw, walkVsMinimalMiss): the least a miss can do, written apart (minimal-miss.ts).
 * Each format runs in a worker of its own, as an emulator runs one format: in one isolate after
 * one another, the loops' shared type feedback turns polymorphic and the later formats' hits cost
 * about 3 times as much.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Random } from '../src/common/random.js';
import { Access, Mode, PageFlags } from '../src/mmu/flags.js';
import { createFormat, FORMATS, type FormatName } from '../src/mmu/formats.js';
import { Mmu } from '../src/mmu/mmu.js';
import { PageTables } from '../src/mmu/page-tables.js';
import { rightsPair } from '../src/mmu/rights.js';
import { Tlb } from '../src/mmu/tlb.js';
import { FrameUse } from '../src/phys/frame-table.js';
import { PhysicalMemoryManager } from '../src/phys/physical-memory-manager.js';
import { consume, measure, round } from './harness.js';
import { minimalMissBatch } from './minimal-miss.js';

const PAGES = 48;
const ACCESSES = 4096;
const USER_BASE = 0x08048000;
const BATCH_PAGES = 16;
const BATCH_WORDS = (BATCH_PAGES * 4096) / 4;

interface FormatFigures {
  hitNs: number;
  hitFloorNs: number;
  missNs: number;
  uncachedMissNs: number;
  batchNsPerWord: number;
  walkOnlyNs: number;
  fillOnlyNs: number;
  tableReadsNs: number;
}

function addressPattern(): Uint32Array {
  const random = new Random(42);
  const addresses = new Uint32Array(ACCESSES);
  let previous = -1;
  for (let i = 0; i < ACCESSES; i++) {
    let page = random.below(PAGES);
    if (page === previous) page = (page + 1) % PAGES; // consecutive accesses on different pages
    previous = page;
    addresses[i] = USER_BASE + page * 4096 + random.below(4096);
  }
  return addresses;
}

async function measureFormat(name: FormatName, addresses: Uint32Array): Promise<FormatFigures> {
  const phys = new PhysicalMemoryManager({ ramBytes: 64 * 1024 * 1024 });
  const pt = new PageTables(createFormat(name), phys.memory, phys);
  const root = pt.createRoot(1);
  const asid = name === 'i386' ? 0 : 1;
  const flags = PageFlags.Read | PageFlags.Write | PageFlags.User | PageFlags.Accessed;
  for (let p = 0; p < PAGES; p++) {
    pt.map(root, USER_BASE + p * 4096, phys.allocFrame(FrameUse.User, 1), 4096, flags);
  }
  const read = Access.Read;
  const user = Mode.User;
  const hitMmu = new Mmu(pt, { entries: 64, ways: 4 });
  hitMmu.setRoot(root, asid);
  for (let i = 0; i < ACCESSES; i++) hitMmu.translate(addresses[i], read, user);
  const hitBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += hitMmu.translate(addresses[i], read, user);
    consume(sum);
  };
  const floor = hitFloor(hitMmu, addresses);
  const missMmu = new Mmu(pt, { entries: 1, ways: 1 });
  missMmu.setRoot(root, asid);
  const missBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += missMmu.translate(addresses[i], read, user);
    consume(sum);
  };
  const uncachedMmu = new Mmu(pt, { entries: 1, ways: 1, structureCache: false });
  uncachedMmu.setRoot(root, asid);
  const uncachedMissBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += uncachedMmu.translate(addresses[i], read, user);
    consume(sum);
  };
  const physical = new Float64Array(BATCH_WORDS);
  const rangeBatch = () => {
    consume(hitMmu.translateRange(USER_BASE, BATCH_WORDS, 4, read, user, physical));
  };
  rangeBatch();
  const walkOnlyBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += missMmu.translateUntracked(addresses[i], read, user);
    consume(sum);
  };
  // The entries a 4 KiB walk reads, each address depending on the entry above, and nothing else.
  const format = pt.format;
  const memory = phys.memory;
  const shifts = Array.from({ length: format.levels }, (_, level) => format.levelShift(level));
  const indexMask = format.entriesPerTable - 1;
  const entryBytes = format.entryBytes;
  const riscv = format.family === 'riscv';
  const tableReadsBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) {
      const va = addresses[i];
      let table = root;
      for (let level = shifts.length - 1; level >= 0; level--) {
        const low = memory.read32(table + ((va >>> shifts[level]) & indexMask) * entryBytes);
        table = riscv ? (low >>> 10) * 4096 : (low & 0xfffff000) >>> 0;
      }
      sum += table;
    }
    consume(sum);
  };
  // What every miss does beside reading entries: search its set and fill the entry and its hit
  // index element (a TLB of one entry, as the miss loop's), over the same pages, as the miss's
  // common case does (Tlb.wayToFill, or Tlb.probe while a way is unindexed, and Tlb.fillChosen).
  const fillTlb = new Tlb({ entries: 1, ways: 1 });
  fillTlb.setContext(asid);
  const fillEntries = fillTlb.hitIndex.entries;
  const fillOnlyBatch = () => {
    for (let i = 0; i < ACCESSES; i++) {
      const vpn = addresses[i] >>> 12;
      const probe =
        fillTlb.unindexed === 0 && fillEntries[vpn] === 0
          ? -1 - fillTlb.wayToFill(vpn)
          : fillTlb.probe(vpn, asid);
      if (probe < 0) fillTlb.fillChosen(-1 - probe, vpn, asid, vpn << 12, 0x3f);
    }
    consume(fillTlb.evictions);
  };
  const hit = await measure(`${name} TLB hit`, ACCESSES, hitBatch);
  const hitFloorTime = await measure(`${name} hit floor`, ACCESSES, floor);
  const miss = await measure(`${name} TLB miss`, ACCESSES, missBatch);
  const uncachedMiss = await measure(`${name} TLB miss, no structure cache`, ACCESSES, uncachedMissBatch);
  const range = await measure(`${name} translateRange`, BATCH_WORDS, rangeBatch);
  const walkOnly = await measure(`${name} walk only`, ACCESSES, walkOnlyBatch);
  const fillOnly = await measure(`${name} TLB search and fill`, ACCESSES, fillOnlyBatch);
  const tableReads = await measure(`${name} table reads`, ACCESSES, tableReadsBatch);
  if (
    hitMmu.tlb.misses !== PAGES ||
    missMmu.tlb.hits !== 0 ||
    uncachedMmu.tlb.hits !== 0 ||
    missMmu.structureCacheSize !== (name === 'i386' ? 0 : 1) ||
    uncachedMmu.structureCacheSize !== 0 ||
    physical[BATCH_WORDS - 1] <= 0
  ) {
    throw new Error(
      `${name}: benchmark pattern is wrong: ${hitMmu.tlb.misses} misses, ${missMmu.tlb.hits} hits`,
    );
  }
  return {
    hitNs: hit.nsPerOp,
    hitFloorNs: hitFloorTime.nsPerOp,
    missNs: miss.nsPerOp,
    uncachedMissNs: uncachedMiss.nsPerOp,
    batchNsPerWord: range.nsPerOp,
    walkOnlyNs: walkOnly.nsPerOp,
    fillOnlyNs: fillOnly.nsPerOp,
    tableReadsNs: tableReads.nsPerOp,
  };
}

/**
 * A tag-compare TLB hit written by hand over the same addresses: a direct-mapped table of
 * 256 slots by page number, each two int32 words (the page number as tag; the frame's address
 * with the entry's six rights bits in its low bits, which a frame's address leaves free), then a
 * tag compare, a rights test and frame + offset. No hit counter, no context or mode, no fallback
 * beyond a call that never runs (V8 compiles it as a deoptimization exit, out of the loop).
 */
function hitFloor(mmu: Mmu, addresses: Uint32Array): () => void {
  const slots = new Int32Array(2 * 256).fill(-1);
  const tlb = mmu.tlb;
  for (let way = 0; way < tlb.entries; way++) {
    const vpn = tlb.vpn[way];
    if (Number.isNaN(vpn)) continue;
    slots[(vpn & 255) << 1] = vpn;
    slots[((vpn & 255) << 1) + 1] = tlb.pa[way] | tlb.rights[way];
  }
  const userRead = 1 << rightsPair(Access.Read, Mode.User);
  let slowCalls = 0;
  const slow = (va: number) => {
    slowCalls++;
    return mmu.translate(va, Access.Read, Mode.User);
  };
  const batch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) {
      const va = addresses[i];
      const vpn = va >>> 12;
      const at = (vpn & 255) << 1;
      const entry = slots[at + 1];
      sum += slots[at] === vpn && (entry & userRead) !== 0 ? (entry & ~0xfff) | (va & 0xfff) : slow(va);
    }
    consume(sum);
  };
  batch();
  if (slowCalls !== 0) throw new Error(`the hit floor's table misses ${slowCalls} of ${ACCESSES} addresses`);
  return batch;
}

/** The figures of one format, measured in a worker thread (a V8 isolate of its own). */
function measureInWorker(name: FormatName): Promise<FormatFigures> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { mmuFormat: name } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the ${name} benchmark worker exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort !== null && typeof workerData?.mmuFormat === 'string') {
  parentPort.postMessage(await measureFormat(workerData.mmuFormat as FormatName, addressPattern()));
}

export async function run(): Promise<Record<string, number | Record<string, number>>> {
  const addresses = addressPattern();
  // The limits: a typed-array read at each address (of a buffer the size of the mapped range),
  // and a read of consecutive words.
  const raw = new Uint8Array(PAGES * 4096);
  for (let i = 0; i < raw.length; i++) raw[i] = i;
  const rawBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += raw[addresses[i] - USER_BASE];
    consume(sum);
  };
  const words = new Uint32Array(BATCH_WORDS).fill(1);
  const wordsBatch = () => {
    let sum = 0;
    for (let i = 0; i < BATCH_WORDS; i++) sum += words[i];
    consume(sum);
  };
  const rawBefore = await measure('raw read', ACCESSES, rawBatch);
  const wordsBefore = await measure('raw words', BATCH_WORDS, wordsBatch);
  const figures: Record<string, FormatFigures> = {};
  for (const name of FORMATS) figures[name] = await measureInWorker(name);
  const minimalMiss = await measure(
    'minimal miss',
    ACCESSES,
    minimalMissBatch(addresses, USER_BASE, PAGES, consume),
  );
  const rawAfter = await measure('raw read', ACCESSES, rawBatch);
  const wordsAfter = await measure('raw words', BATCH_WORDS, wordsBatch);
  const rawNs = Math.min(rawBefore.nsPerOp, rawAfter.nsPerOp);
  const wordNs = Math.min(wordsBefore.nsPerOp, wordsAfter.nsPerOp);
  const byFormat = (value: (f: FormatFigures) => number, digits: number) =>
    Object.fromEntries(FORMATS.map((name) => [name, round(value(figures[name]), digits)]));
  return {
    tlbHitVsRaw: byFormat((f) => f.hitNs / rawNs, 2),
    hitFloorNs: byFormat((f) => f.hitFloorNs, 3),
    hitFloorVsRaw: byFormat((f) => f.hitFloorNs / rawNs, 2),
    hitVsFloor: byFormat((f) => f.hitNs / f.hitFloorNs, 2),
    walkVsRaw: byFormat((f) => f.missNs / rawNs, 2),
    walkVsRawNoStructureCache: byFormat((f) => f.uncachedMissNs / rawNs, 2),
    batchVsRaw: byFormat((f) => f.batchNsPerWord / wordNs, 2),
    hitNsPerAccess: byFormat((f) => f.hitNs, 3),
    missNsPerAccess: byFormat((f) => f.missNs, 3),
    missNsNoStructureCache: byFormat((f) => f.uncachedMissNs, 3),
    batchNsPerWord: byFormat((f) => f.batchNsPerWord, 3),
    walkOnlyNsPerAccess: byFormat((f) => f.walkOnlyNs, 3),
    missFillNsPerAccess: byFormat((f) => f.fillOnlyNs, 3),
    missFillVsRaw: byFormat((f) => f.fillOnlyNs / rawNs, 2),
    tableReadsNsPerAccess: byFormat((f) => f.tableReadsNs, 3),
    walkVsTableReads: byFormat((f) => f.missNs / f.tableReadsNs, 2),
    minimalMissNs: round(minimalMiss.nsPerOp, 3),
    minimalMissVsRaw: round(minimalMiss.nsPerOp / rawNs, 2),
    walkVsMinimalMiss: byFormat((f) => f.missNs / minimalMiss.nsPerOp, 2),
    rawNsPerAccess: round(rawNs, 3),
    rawNsPerWord: round(wordNs, 3),
  };
}
