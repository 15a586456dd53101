/**
 * A reference for the mmu suite: the least a TLB miss can do in JavaScript, written apart from
 * the model over the suite's addresses, so that `walkVsRaw` can be read against it. An
 * x86-64-style miss with no generality: a direct page index (as the model's hit index) that
 * misses, a 32-slot paging-structure cache by 2 MiB span that gives the leaf table, one 4 KiB leaf
 * entry read from an `Int32Array` RAM, its P, U, W and A bits, and a one-entry TLB whose old page
 * leaves the index as the new one enters. No sets, no LRU, no ASIDs, no counters but the misses.
 */

const PAGE_SHIFT = 12;
const SPAN_SHIFT = 21;
const STRUCTURE_SLOTS = 32;
const PRESENT = 0x1;
const WRITABLE = 0x2;
const USER = 0x4;
const ACCESSED = 0x20;
/** Rights bits as the hit index keeps them: read, write and execute for user and supervisor. */
const ALL_RIGHTS = 0x3f;
const SUPERVISOR_READ_EXECUTE = 0x07;
const USER_READ = 1 << 3;

/**
 * A batch that translates every address once through the minimal miss (each address's page
 * differs from the one before, so every access misses the one-entry TLB). `pages` pages are mapped
 * from `userBase`. Throws if any access hits, so the figure is a miss.
 */
export function minimalMissBatch(
  addresses: Uint32Array,
  userBase: number,
  pages: number,
  consume: (value: number) => void,
): () => void {
  const ram = new Int32Array((4 << 20) >> 2);
  const leafTable = 0x200000;
  const firstFrame = 0x300000;
  for (let p = 0; p < pages; p++) {
    const vpn = (userBase >>> PAGE_SHIFT) + p;
    ram[(leafTable >> 2) + ((vpn & 511) << 1)] = (firstFrame + p * 0x1000) | PRESENT | WRITABLE | USER;
  }
  const index = new Int32Array(1 << 20);
  const spanTag = new Int32Array(STRUCTURE_SLOTS).fill(-1);
  const spanTable = new Int32Array(STRUCTURE_SLOTS);
  const spanRights = new Int32Array(STRUCTURE_SLOTS);
  for (let p = 0; p < pages; p++) {
    const span = (userBase + p * 4096) >>> SPAN_SHIFT;
    spanTag[span & (STRUCTURE_SLOTS - 1)] = span;
    spanTable[span & (STRUCTURE_SLOTS - 1)] = leafTable;
    spanRights[span & (STRUCTURE_SLOTS - 1)] = ALL_RIGHTS;
  }
  const tlbPage = new Int32Array(1).fill(-1);
  let misses = 0;

  const miss = (va: number): number => {
    misses++;
    const vpn = va >>> PAGE_SHIFT;
    const slot = (va >>> SPAN_SHIFT) & (STRUCTURE_SLOTS - 1);
    if (spanTag[slot] !== va >>> SPAN_SHIFT) throw new Error('minimal miss: span not cached');
    const at = (spanTable[slot] >> 2) + ((vpn & 511) << 1);
    const entry = ram[at];
    if ((entry & PRESENT) === 0) throw new Error('minimal miss: page not present');
    if ((entry & ACCESSED) === 0) ram[at] = entry | ACCESSED;
    const rights = spanRights[slot] & ((entry & USER) !== 0 ? ALL_RIGHTS : SUPERVISOR_READ_EXECUTE);
    const frame = entry & ~0xfff;
    const old = tlbPage[0];
    if (old >= 0) index[old] = 0;
    tlbPage[0] = vpn;
    index[vpn] = ((frame ^ (vpn << PAGE_SHIFT)) & ~0xfff) | rights;
    return frame | (va & 0xfff);
  };
  const translate = (va: number): number => {
    const element = index[va >>> PAGE_SHIFT];
    if ((element & USER_READ) !== 0 && va === va >>> 0) return (element & ~0xfff) ^ va;
    return miss(va);
  };
  return () => {
    const before = misses;
    let sum = 0;
    for (let i = 0; i < addresses.length; i++) sum += translate(addresses[i]);
    consume(sum);
    if (misses - before !== addresses.length) throw new Error('minimal miss: an access hit');
  };
}
