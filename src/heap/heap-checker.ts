/**
 * Heap.check(): recounts everything from the tables and throws InvariantError naming the first
 * disagreement: areas and their page masks, slabs and their bitmaps, the partial and open lists,
 * large blocks and the cache, and the running totals. Used by tests after every step.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { popcount, WORD_BITS } from './bit-runs.js';
import { NONE, PAGE_SIZE, SHARED_PAGE, SLAB_UNIT, UNITS_PER_PAGE } from './heap-constants.js';
import type { HeapParts } from './heap-stats.js';
import { MASK_WORDS, markRun } from './unit-masks.js';

/** What the tables add up to, compared with the running totals at the end. */
interface Tally {
  blocks: number;
  bytes: number;
  residentPages: number;
  footprint: number;
}

export function checkHeap(parts: HeapParts): void {
  const fail = (why: string): never => {
    throw new InvariantError(`${parts.name}: ${why}`);
  };
  const tally: Tally = { blocks: 0, bytes: 0, residentPages: 0, footprint: 0 };
  checkAreas(parts, tally, fail);
  checkSlabs(parts, tally, fail);
  checkBitmapSegments(parts, fail);
  checkPartialLists(parts, fail);
  checkOpenList(parts, fail);
  checkLargeBlocks(parts, tally, fail);
  const { counters, slabs, large, areas } = parts;
  const liveBlocks = slabs.liveBlocks + large.count;
  const liveBytes = slabs.liveBytes + large.liveBytes;
  const residentPages = areas.residentPages + large.residentPages;
  if (tally.blocks !== liveBlocks) fail(`live block count ${liveBlocks} but ${tally.blocks} blocks found`);
  if (tally.bytes !== liveBytes) fail(`live bytes ${liveBytes} but ${tally.bytes} found`);
  if (tally.residentPages !== residentPages)
    fail(`resident pages ${residentPages} but ${tally.residentPages} found`);
  if (counters.residentPages !== residentPages)
    fail(`resident pages ${counters.residentPages} in total but ${residentPages} in the parts`);
  if (counters.peakResidentPages < residentPages) fail('peak resident pages below the resident pages');
  if (tally.footprint !== counters.footprint)
    fail(`footprint ${counters.footprint} but ${tally.footprint} mapped`);
  if (counters.peakFootprint < tally.footprint) fail('peak footprint below the footprint');
}

type Fail = (why: string) => never;

function checkAreas(parts: HeapParts, tally: Tally, fail: Fail): void {
  const { areas, slabs } = parts;
  const perArea = areas.pagesPerArea;
  let count = 0;
  let stranded = 0;
  let growable = 0;
  for (let a = 0; a < areas.idsUsed; a++) {
    if (!areas.live[a]) continue;
    count++;
    const mapped = areas.mappedBytes[a];
    tally.footprint += mapped;
    const base = areas.base[a];
    const pages = mapped / PAGE_SIZE;
    if (!(pages >= 1 && pages <= perArea && Number.isInteger(pages)))
      fail(`area ${hex(base)}: ${mapped} bytes mapped, not whole pages of the area`);
    const tail = (areas.fullMask & ~(pages === 32 ? -1 : (1 << pages) - 1)) >>> 0;
    if (areas.unmapped[a] !== tail)
      fail(`area ${hex(base)}: unmapped-page mask disagrees with its mapped bytes`);
    if ((areas.used[a] & areas.unmapped[a]) !== 0) fail(`area ${hex(base)}: a slab on an unmapped page`);
    if (tail !== 0) growable++;
    if (base % areas.areaSize !== 0) fail(`area ${hex(base)} is not aligned to ${areas.areaSize}`);
    if (areas.byKey.get(base / areas.areaSize) !== a)
      fail(`area ${hex(base)} is missing from the address map`);
    let used = 0;
    const units = new Uint32Array(MASK_WORDS);
    for (let p = 0; p < perArea; p++) {
      units.fill(0);
      let taken = 0;
      let shared = false;
      for (let k = 0; k < UNITS_PER_PAGE; k++) {
        const u = p * UNITS_PER_PAGE + k;
        const s = areas.slabOfUnit(a, u);
        if (s === NONE) continue;
        markRun(units, 0, k, 1, true);
        taken++;
        if (slabs.area[s] !== a) fail(`unit ${u} of area ${hex(base)} names slab ${s} of another area`);
        const first = slabs.firstUnit[s];
        if (u < first || u >= first + slabs.units[s])
          fail(`unit ${u} of area ${hex(base)} lies outside its slab ${s}`);
        if (slabs.isSmall(s)) shared = true;
      }
      const page = a * perArea + p;
      if (shared !== (areas.pageSlab[page] === SHARED_PAGE))
        fail(
          `page ${p} of area ${hex(base)}: marked ${shared ? 'not ' : ''}shared, but its slabs say otherwise`,
        );
      // A page that is not shared reads as all taken in the unit masks.
      if (!shared) units.fill(0xffffffff);
      const mask = areas.shared.mask.subarray(page * MASK_WORDS, (page + 1) * MASK_WORDS);
      if (!mask.every((word, w) => word === units[w]))
        fail(`page ${p} of area ${hex(base)}: its unit mask disagrees with its slabs`);
      if (areas.shared.freeUnits[page] !== (shared ? UNITS_PER_PAGE - taken : 0))
        fail(`page ${p} of area ${hex(base)}: its free-unit count disagrees with its slabs`);
      if (taken === 0) continue;
      used |= 1 << p;
      if (!shared && taken !== UNITS_PER_PAGE)
        fail(`page ${p} of area ${hex(base)}: a page slab's page is not all its own`);
    }
    if (used >>> 0 !== areas.used[a]) fail(`area ${hex(base)}: used-page mask disagrees with its slabs`);
    if (used === 0 && a !== areas.spare) stranded++;
    tally.residentPages += popcount(areas.touched[a]);
  }
  if (areas.spare !== NONE && (!areas.live[areas.spare] || areas.used[areas.spare] !== 0))
    fail('the spare area is not an empty held area');
  if (count !== areas.count || areas.byKey.size !== count) fail('area count disagrees');
  checkHoles(parts, fail);
  if (growable !== areas.growable)
    fail(`${growable} areas with unmapped pages, but ${areas.growable} counted`);
  if (stranded !== areas.stranded)
    fail(`${stranded} empty areas held besides the spare, but ${areas.stranded} the space refused`);
}

/**
 * The hole index holds exactly the maximal free runs of the shared pages' units, each at its
 * length, in the segment of its page; a page has a segment exactly while it is shared.
 */
function checkHoles(parts: HeapParts, fail: Fail): void {
  const { areas } = parts;
  const { mask, holes, segmentOf, freeUnits } = areas.shared;
  const perPage = holes.segmentUnits;
  let runs = 0;
  for (let a = 0; a < areas.idsUsed; a++) {
    if (!areas.live[a]) continue;
    for (let p = 0; p < areas.pagesPerArea; p++) {
      const page = a * areas.pagesPerArea + p;
      const segment = segmentOf[page];
      const row = page * MASK_WORDS;
      const shared =
        mask.subarray(row, row + MASK_WORDS).some((word) => word !== 0xffffffff) || freeUnits[page] > 0;
      if (segment === NONE) {
        if (shared) fail(`page ${p} of area ${a} has free units but no segment of the hole index`);
        continue;
      }
      const base = segment * perPage;
      for (let u = 0; u < perPage; ) {
        if ((mask[row + (u >>> 5)] & (1 << (u & 31))) !== 0) {
          if (holes.lengthAt(base + u) !== 0)
            fail(`unit ${u} of page ${p} of area ${a} is taken but starts a hole`);
          u++;
          continue;
        }
        let end = u;
        while (end < perPage && (mask[row + (end >>> 5)] & (1 << (end & 31))) === 0) end++;
        if (holes.lengthAt(base + u) !== end - u || holes.startOfEnd(base + end - 1) !== base + u)
          fail(`units ${u} to ${end - 1} of page ${p} of area ${a} are free but not one hole`);
        runs++;
        u = end;
      }
    }
  }
  if (runs !== holes.count) fail(`${holes.count} holes indexed, but ${runs} free runs`);
}

function checkSlabs(parts: HeapParts, tally: Tally, fail: Fail): void {
  const { areas, slabs } = parts;
  const table = slabs.classes;
  const words = slabs.bitmaps.words;
  const slabsOf = new Int32Array(table.count);
  const liveOf = new Int32Array(table.count);
  let count = 0;
  let keptEmpty = 0;
  for (let s = 0; s < slabs.idsUsed; s++) {
    if (slabs.live[s] === 0 && slabs.area[s] === NONE) continue;
    count++;
    const cls = slabs.classOf[s];
    const a = slabs.area[s];
    if (a === NONE || !areas.live[a]) fail(`slab ${s} lies in no held area`);
    const first = slabs.firstUnit[s];
    const units = slabs.units[s];
    if (first + units > areas.unitsPerArea) fail(`slab ${s} runs past the end of its area`);
    if (slabs.isSmall(s)) {
      if (
        (units !== table.smallUnits[cls] && units !== table.oneUnits[cls]) ||
        first % table.runStep[cls] !== 0
      )
        fail(`slab ${s}: a small slab of the wrong shape`);
    } else if (
      first % UNITS_PER_PAGE !== 0 ||
      (units !== table.pages[cls] * UNITS_PER_PAGE && units !== table.fewPages[cls] * UNITS_PER_PAGE)
    )
      fail(`slab ${s}: a page slab of the wrong shape`);
    for (let u = first; u < first + units; u++)
      if (areas.slabOfUnit(a, u) !== s) fail(`slab ${s}: unit ${u} of its area is not marked as its own`);
    if (slabs.base[s] !== areas.base[a] + first * SLAB_UNIT) fail(`slab ${s}: wrong base address`);
    const objects = slabs.objects[s];
    const shaped = slabs.isSmall(s)
      ? (units === table.oneUnits[cls] && objects === 1) ||
        (units === table.smallUnits[cls] && objects === table.smallObjects[cls])
      : objects === Math.floor((units * SLAB_UNIT) / table.size[cls]);
    if (!shaped) fail(`slab ${s}: wrong object count`);
    let live = 0;
    let highest = -1;
    const usedWords = Math.ceil(objects / WORD_BITS);
    for (let w = 0; w < usedWords; w++) {
      let bits = words[slabs.bitmapAt[s] + w];
      if (w === usedWords - 1 && objects % WORD_BITS !== 0) {
        const padding = ~((1 << (objects % WORD_BITS)) - 1) >>> 0;
        if ((bits & padding) >>> 0 !== padding) fail(`slab ${s}: a padding bit is clear`);
        bits = (bits & ~padding) >>> 0;
      }
      live += popcount(bits);
      if (bits !== 0) highest = w * WORD_BITS + WORD_BITS - 1 - Math.clz32(bits);
    }
    if (objects === 1) {
      // A one-object slab's live count alone says whether its object is live; its bit stays clear.
      if (live !== 0) fail(`slab ${s}: a one-object slab's bit is set`);
      if (slabs.live[s] > 1) fail(`slab ${s}: a one-object slab counts ${slabs.live[s]} blocks`);
      live = slabs.live[s];
      highest = live - 1;
    } else if (live !== slabs.live[s])
      fail(`slab ${s}: bitmap holds ${live} blocks, count says ${slabs.live[s]}`);
    if (live === 0 && s !== slabs.spare) keptEmpty++;
    if (highest >= slabs.high[s]) fail(`slab ${s}: block ${highest} lies above the high-water mark`);
    slabsOf[cls]++;
    liveOf[cls] += live;
    tally.blocks += live;
    tally.bytes += live * table.size[cls];
  }
  if (count !== slabs.count) fail(`slab count ${slabs.count} but ${count} slabs found`);
  const slabsIn = new Int32Array(areas.idsUsed);
  for (let s = 0; s < slabs.idsUsed; s++) if (slabs.area[s] !== NONE) slabsIn[slabs.area[s]]++;
  for (let a = 0; a < areas.idsUsed; a++)
    if (areas.live[a] && slabsIn[a] !== areas.slabsIn[a])
      fail(`area ${a}: ${slabsIn[a]} slabs on its pages, but counted ${areas.slabsIn[a]}`);
  if (keptEmpty !== slabs.kept)
    fail(`${keptEmpty} empty slabs held besides the spare, but ${slabs.kept} kept by freeAll`);
  const spare = slabs.spare;
  if (spare !== NONE && (slabs.area[spare] === NONE || slabs.live[spare] !== 0))
    fail(`the spare slab ${spare} is not an empty held slab`);
  if (spare !== NONE) {
    const a = slabs.area[spare];
    let others = false;
    for (let u = 0; u < areas.unitsPerArea && !others; u++) {
      const t = areas.slabOfUnit(a, u);
      others = t !== NONE && t !== spare;
    }
    if (!others) fail(`the spare slab ${spare} holds its area alone`);
  }
  for (let c = 0; c < table.count; c++) {
    if (slabsOf[c] !== slabs.slabsOf[c]) fail(`class ${table.size[c]}: slab count disagrees`);
    if (liveOf[c] !== slabs.liveOf[c]) fail(`class ${table.size[c]}: block count disagrees`);
  }
}

/** Live slabs' bitmap segments and the free ones are disjoint and below the top. */
function checkBitmapSegments(parts: HeapParts, fail: Fail): void {
  const { slabs } = parts;
  const bitmaps = slabs.bitmaps;
  const owner = new Uint8Array(bitmaps.top);
  const claim = (at: number, order: number, what: string) => {
    if (at < 0 || at + (1 << order) > bitmaps.top) fail(`${what}: bitmap segment ${at} beyond the top`);
    for (let w = at; w < at + (1 << order); w++) {
      if (owner[w]) fail(`${what}: bitmap word ${w} has two owners`);
      owner[w] = 1;
    }
  };
  for (let s = 0; s < slabs.idsUsed; s++)
    if (slabs.area[s] !== NONE) claim(slabs.bitmapAt[s], slabs.bitmapOrder(s), `slab ${s}`);
  for (let order = 0; order < bitmaps.freeCount.length; order++)
    for (let i = 0; i < bitmaps.freeCount[order]; i++)
      claim(bitmaps.freeSegments[order][i], order, 'free segment');
}

/** Each class's partial list holds exactly its slabs with a free object. */
function checkPartialLists(parts: HeapParts, fail: Fail): void {
  const { slabs } = parts;
  const table = slabs.classes;
  const partialOf = new Int32Array(table.count);
  for (let s = 0; s < slabs.idsUsed; s++)
    if (slabs.area[s] !== NONE && slabs.live[s] < slabs.objects[s]) partialOf[slabs.classOf[s]]++;
  for (let c = 0; c < table.count; c++) {
    let listed = 0;
    let prev = NONE;
    for (let s = slabs.partial[c]; s !== NONE; s = slabs.next[s]) {
      if (slabs.classOf[s] !== c)
        fail(`class ${table.size[c]}: partial list holds slab ${s} of another class`);
      if (slabs.prev[s] !== prev) fail(`class ${table.size[c]}: partial list links are broken`);
      if (slabs.live[s] >= slabs.objects[s])
        fail(`class ${table.size[c]}: full slab ${s} on the partial list`);
      prev = s;
      if (++listed > slabs.idsUsed) fail(`class ${table.size[c]}: partial list has a cycle`);
    }
    if (partialOf[c] !== listed)
      fail(`class ${table.size[c]}: ${partialOf[c]} partial slabs but ${listed} listed`);
  }
}

/** The open list holds exactly the areas with a free page. */
function checkOpenList(parts: HeapParts, fail: Fail): void {
  const { areas } = parts;
  const full = areas.fullMask >>> 0;
  let listed = 0;
  for (let a = areas.openHead; a !== NONE; a = areas.next[a]) {
    if (!areas.live[a] || (areas.used[a] | areas.unmapped[a]) >>> 0 === full)
      fail('open area list holds a full or dead area');
    if (++listed > areas.idsUsed) fail('open area list has a cycle');
  }
  let open = 0;
  for (let a = 0; a < areas.idsUsed; a++)
    if (areas.live[a] && (areas.used[a] | areas.unmapped[a]) >>> 0 !== full) open++;
  if (open !== listed) fail(`${open} areas have free pages but ${listed} are listed`);
}

/** Large blocks and cached ranges: page aligned, mapped once, disjoint from each other and the areas. */
function checkLargeBlocks(parts: HeapParts, tally: Tally, fail: Fail): void {
  const { areas, large } = parts;
  const ranges: Array<[number, number]> = [];
  let count = 0;
  for (let l = 0; l < large.idsUsed; l++) {
    if (!large.live[l]) continue;
    count++;
    const base = large.base[l];
    const bytes = large.bytes[l];
    if (base % PAGE_SIZE !== 0 || bytes % PAGE_SIZE !== 0 || bytes <= 0)
      fail(`large block ${hex(base)} is not page aligned`);
    if (large.byPage.get(base / PAGE_SIZE) !== l)
      fail(`large block ${hex(base)} is missing from the address map`);
    ranges.push([base, base + bytes]);
    tally.blocks++;
    tally.bytes += bytes;
    tally.residentPages += bytes / PAGE_SIZE;
    tally.footprint += bytes;
  }
  let cached = 0;
  for (let i = 0; i < large.cacheCount; i++) {
    const base = large.cacheBase[i];
    const bytes = large.cacheBytes[i];
    if (base % PAGE_SIZE !== 0 || bytes % PAGE_SIZE !== 0)
      fail(`cached area ${hex(base)} is not page aligned`);
    if (large.byPage.get(base / PAGE_SIZE) !== NONE) fail(`cached area ${hex(base)} is also a live block`);
    ranges.push([base, base + bytes]);
    cached += bytes;
    tally.residentPages += bytes / PAGE_SIZE;
    tally.footprint += bytes;
  }
  if (cached !== large.cachedBytes) fail(`cached bytes ${large.cachedBytes} but ${cached} found`);
  for (let a = 0; a < areas.idsUsed; a++)
    if (areas.live[a]) ranges.push([areas.base[a], areas.base[a] + areas.mappedBytes[a]]);
  ranges.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < ranges.length; i++)
    if (ranges[i][0] < ranges[i - 1][1]) fail(`mapped ranges overlap at ${hex(ranges[i][0])}`);
  if (count !== large.count || large.byPage.size !== count) fail('large block count disagrees');
}
