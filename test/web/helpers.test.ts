/** The playground's pure helpers, without a browser. */
import { describe, expect, it } from 'vitest';
import { PhysicalMemoryManager } from '../../src/index.js';
import { forEachBuddyBlock } from '../../web/src/free-blocks.js';
import { lineOf } from '../../web/src/session.js';
import { levelName, parseAddress } from '../../web/src/walk-view.js';

describe('parseAddress', () => {
  it('reads hexadecimal and decimal addresses, with underscores', () => {
    expect(parseAddress('0x1000')).toBe(4096);
    expect(parseAddress(' 0X00400000 ')).toBe(0x400000);
    expect(parseAddress('4096')).toBe(4096);
    expect(parseAddress('0xffff_f000')).toBe(0xfffff000);
  });

  it('reads a 64-bit pattern of the kernel half as the negative address pageframe uses', () => {
    expect(parseAddress('0xffff800000000000')).toBe(-(2 ** 47));
    expect(parseAddress('0xffffffffffffffff')).toBe(-1);
    expect(parseAddress('-4096')).toBe(-4096);
  });

  it('refuses what is not a number', () => {
    for (const text of ['', 'zz', '0x', '12k', '0x12g']) expect(parseAddress(text)).toBeNaN();
  });
});

describe('helpers', () => {
  it('names page-table levels as the manuals do', () => {
    expect(levelName('i386', 1)).toBe('PD');
    expect(levelName('x86-64', 3)).toBe('PML4');
    expect(levelName('sv39', 0)).toBe('L0 (VPN[0])');
  });

  it('finds the line of a `file:line: message` failure', () => {
    expect(lineOf('demo.pf:12: expected free-frames == 3, but it is 2')).toBe(12);
    expect(lineOf('no line here')).toBe(0);
  });

  it('lists the buddy free blocks: they cover exactly the free frames outside the frame cache', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: 8 * 1024 * 1024 });
    const taken: number[] = [];
    for (let i = 0; i < 300; i++) taken.push(pmm.allocFrame());
    for (let i = 0; i < taken.length; i += 3) pmm.free(taken[i]);
    pmm.drainFrameCache(); // the single-frame cache back to the lists: every free frame is in a block
    const covered = new Uint8Array(pmm.totalFrames);
    forEachBuddyBlock(pmm.frames, (pfn, order) => {
      expect(pfn % (1 << order)).toBe(0);
      for (let f = pfn; f < pfn + (1 << order); f++) covered[f]++;
    });
    for (let pfn = 0; pfn < pmm.totalFrames; pfn++) {
      expect(covered[pfn]).toBe(pmm.frames.state[pfn] === 0 ? 1 : 0);
    }
  });
});
