/**
 * MMU figures (issue 3), each a ratio of timings taken in this run over the same address pattern
 * (4096 addresses, random offsets in 48 user pages mapped on i386):
 * - tlbHitVsRaw: mmu.translate that hits the TLB (64 entries, 4 ways, the default) / a plain
 *   typed-array read at each address;
 * - walkVsRaw: mmu.translate that misses every time (a 1-entry TLB and a pattern that never
 *   repeats a page twice in a row), so each access does the full two-level i386 walk from RAM,
 *   the rights check, the A/D update check and the TLB fill / the same plain read;
 * - translationsPerSec: TLB-hit translations per second.
 */
import { Random } from '../src/common/random.js';
import { Access, Mode, PageFlags } from '../src/mmu/flags.js';
import { createFormat } from '../src/mmu/formats.js';
import { Mmu } from '../src/mmu/mmu.js';
import { PageTables } from '../src/mmu/page-tables.js';
import { PhysicalMemoryManager } from '../src/phys/physical-memory-manager.js';
import { consume, measure, round } from './harness.js';

const PAGES = 48;
const ACCESSES = 4096;
const USER_BASE = 0x08048000;

export async function run(): Promise<Record<string, number>> {
  const phys = new PhysicalMemoryManager({ ramBytes: 64 * 1024 * 1024 });
  const pt = new PageTables(createFormat('i386'), phys.memory, phys);
  const root = pt.createRoot(1);
  const flags = PageFlags.Read | PageFlags.Write | PageFlags.User;
  for (let p = 0; p < PAGES; p++) {
    pt.map(root, USER_BASE + p * 4096, phys.allocFrame(3, 1), 4096, flags | PageFlags.Accessed);
  }
  const random = new Random(42);
  const addresses = new Uint32Array(ACCESSES);
  let previous = -1;
  for (let i = 0; i < ACCESSES; i++) {
    let page = random.below(PAGES);
    if (page === previous) page = (page + 1) % PAGES; // consecutive accesses on different pages
    previous = page;
    addresses[i] = USER_BASE + page * 4096 + random.below(4096);
  }
  // The limit: a typed-array read at each address (of a buffer the size of the mapped range).
  const raw = new Uint8Array(PAGES * 4096 + USER_BASE - USER_BASE);
  for (let i = 0; i < raw.length; i++) raw[i] = i;
  const rawBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += raw[addresses[i] - USER_BASE];
    consume(sum);
  };

  // Locals: under the module loaders imported bindings are getters, which the loop should not pay.
  const READ = Access.Read;
  const USER = Mode.User;
  const hitMmu = new Mmu(pt, { entries: 64, ways: 4 });
  hitMmu.setRoot(root);
  for (let i = 0; i < ACCESSES; i++) hitMmu.translate(addresses[i], Access.Read, Mode.User);
  const hitBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += hitMmu.translate(addresses[i], READ, USER);
    consume(sum);
  };

  const missMmu = new Mmu(pt, { entries: 1, ways: 1 });
  missMmu.setRoot(root);
  const missBatch = () => {
    let sum = 0;
    for (let i = 0; i < ACCESSES; i++) sum += missMmu.translate(addresses[i], READ, USER);
    consume(sum);
  };

  const rawTime = await measure('raw read', ACCESSES, rawBatch);
  const hitTime = await measure('TLB hit', ACCESSES, hitBatch);
  const missTime = await measure('TLB miss (i386 walk)', ACCESSES, missBatch);
  const rawAgain = await measure('raw read', ACCESSES, rawBatch);
  const rawNs = Math.min(rawTime.nsPerOp, rawAgain.nsPerOp);
  if (hitMmu.tlb.misses !== PAGES || missMmu.tlb.hits !== 0) {
    throw new Error(`benchmark pattern is wrong: ${hitMmu.tlb.misses} misses, ${missMmu.tlb.hits} hits`);
  }
  return {
    tlbHitVsRaw: round(hitTime.nsPerOp / rawNs, 2),
    walkVsRaw: round(missTime.nsPerOp / rawNs, 2),
    translationsPerSec: Math.round(1e9 / hitTime.nsPerOp),
    rawNsPerAccess: round(rawNs, 3),
    hitNsPerAccess: round(hitTime.nsPerOp, 3),
    missNsPerAccess: round(missTime.nsPerOp, 3),
  };
}
