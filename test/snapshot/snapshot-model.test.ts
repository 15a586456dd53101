/**
 * The snapshot's parsers and model on fixed inputs: /proc texts, pagemap words, and a process
 * layout whose page tables are counted by hand for each format.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import {
  checkSnapshot,
  type ProcessSnapshot,
  pagemapRuns,
  parseSmaps,
  parseStatus,
  SNAPSHOT_KIND,
  type SnapshotRegion,
} from '../../src/workload/snapshot/snapshot-file.js';
import { hugePageWhatIf, modelSnapshot } from '../../src/workload/snapshot/snapshot-model.js';

const SMAPS = `555555554000-555555558000 r--p 00000000 08:01 1234                       /usr/bin/x
Size:                 16 kB
Rss:                   8 kB
Swap:                  0 kB
AnonHugePages:         0 kB
7f0000000000-7f0000400000 ---p 00000000 00:00 0 
Rss:                   0 kB
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
Rss:                   4 kB
Swap:                  8 kB
AnonHugePages:      2048 kB
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
Rss:                   0 kB
`;

function region(start: number, end: number, perms: string, name: string, present: number[]): SnapshotRegion {
  return { start, end, perms, name, present, swapped: [], anonHugeBytes: 0 };
}

/**
 * A PIE program, its heap, a PROT_NONE reservation with one page left behind it, and a stack.
 * Pages present: 0x555555554000-5000 (r--), 0x555555558000-b000 (r-x), heap pages at
 * 0x555555600000, 0x5555557ff000 and 0x555555800000, 0x7f0000400000 (---) and 0x7fffffffe000.
 */
const LAYOUT: ProcessSnapshot = {
  kind: SNAPSHOT_KIND,
  version: 1,
  pid: 42,
  command: 'layout',
  linux: { vmRSSBytes: 11 * 4096, vmPTEBytes: 11 * 4096, anonHugePagesBytes: 0 },
  regions: [
    region(0x555555554000, 0x555555558000, 'r--p', '/usr/bin/x', [0, 2]),
    region(0x555555558000, 0x55555555c000, 'r-xp', '/usr/bin/x', [0, 4]),
    region(0x555555600000, 0x555555a00000, 'rw-p', '[heap]', [0, 1, 511, 2]),
    region(0x7f0000000000, 0x7f0000400000, '---p', '', []),
    region(0x7f0000400000, 0x7f0000402000, '---p', '', [0, 1]),
    region(0x7ffffffde000, 0x7ffffffff000, 'rw-p', '[stack]', [32, 1]),
  ],
  kernelRegions: [{ name: '[vsyscall]', start: 'ffffffffff600000' }],
};

describe('/proc parsers', () => {
  it('reads smaps headers and sizes, keeping the kernel half address as text', () => {
    const regions = parseSmaps(SMAPS);
    expect(
      regions.map((r) => [r.start, r.end, r.perms, r.name, r.rssBytes, r.swapBytes, r.anonHugeBytes]),
    ).toEqual([
      [0x555555554000, 0x555555558000, 'r--p', '/usr/bin/x', 8192, 0, 0],
      [0x7f0000000000, 0x7f0000400000, '---p', '', 0, 0, 0],
      [0x7ffffffde000, 0x7ffffffff000, 'rw-p', '[stack]', 4096, 8192, 2 * 2 ** 20],
      [0xffffffffff600000, 0xffffffffff601000, '--xp', '[vsyscall]', 0, 0, 0],
    ]);
    expect(regions[3].startText).toBe('ffffffffff600000');
  });

  it('reads VmRSS and VmPTE in bytes', () => {
    expect(parseStatus('Name:\tbash\nVmRSS:\t    3072 kB\nVmPTE:\t      48 kB\n')).toEqual({
      vmRSSBytes: 3072 * 1024,
      vmPTEBytes: 48 * 1024,
    });
  });

  it('turns pagemap words into runs of present and swapped pages, merging across reads', () => {
    const words = (highs: number[]) => {
      const bytes = new Uint8Array(highs.length * 8);
      const view = new DataView(bytes.buffer);
      highs.forEach((high, i) => {
        view.setUint32(i * 8, 0x1234, true); // a PFN in the low bits changes nothing
        view.setUint32(i * 8 + 4, high, true);
      });
      return bytes;
    };
    const P = 0x80000000;
    const S = 0x40000000;
    const runs = { present: [] as number[], swapped: [] as number[] };
    pagemapRuns(words([P, P, 0, S, S, P]), 0, runs);
    pagemapRuns(words([P, 0, S]), 6, runs);
    expect(runs).toEqual({ present: [0, 2, 5, 2], swapped: [3, 2, 8, 1] });
  });

  it('refuses a malformed snapshot file with a typed error that says what is wrong', () => {
    expect(checkSnapshot(JSON.parse(JSON.stringify(LAYOUT)))).toEqual(LAYOUT);
    const broken = (change: (file: ProcessSnapshot) => unknown) => {
      const file = structuredClone(LAYOUT);
      change(file);
      return () => checkSnapshot(file, 'f.json');
    };
    expect(
      broken((f) => {
        f.kind = 'x' as typeof SNAPSHOT_KIND;
      }),
    ).toThrow(InvalidArgumentError);
    expect(
      broken((f) => {
        f.regions[1].start = 0x555555554000;
      }),
    ).toThrow(/region 1: regions must be non-empty and in order/);
    expect(
      broken((f) => {
        f.regions[0].present = [1, 4];
      }),
    ).toThrow(/"present" run 1\+4 is outside its 4 pages/);
    expect(
      broken((f) => {
        f.regions[0].perms = 'rwz';
      }),
    ).toThrow(/perms "rwz"/);
    expect(
      broken((f) => {
        f.regions[5].end = 2 ** 48;
      }),
    ).toThrow(/above the user half/);
  });
});

describe('the model of a snapshot', () => {
  it('x86-64: a table per 2 MiB, 1 GiB and 512 GiB used, plus the root, placed where Linux had them', () => {
    // 2 MiB: 555555400000, 555555600000, 555555800000, 7f0000400000, 7fffffe00000 -> 5 PTs;
    // 1 GiB: 555540000000, 7f0000000000, 7fffc0000000 -> 3 PDs; 512 GiB: 3 PDPTs; the PML4.
    const model = modelSnapshot(LAYOUT, 'x86-64', { keep: true });
    // Linux's two PROT_NONE mappings are one region in the model (same attributes, adjacent).
    expect(model).toMatchObject({
      fits: true,
      relocated: false,
      regions: 5,
      residentPages: 11,
      tablePages: 12,
    });
    expect(model.pageTableBytes).toBe(12 * 4096);
    const { kernel, process } = model;
    if (!kernel || !process) throw new Error('the machine was not kept');
    kernel.check();
    const regions = process.space.regions.usedRegions();
    expect(regions.map((r) => [r.base, r.protection, r.name])).toEqual([
      [0x555555554000, 1, '/usr/bin/x'],
      [0x555555558000, 5, '/usr/bin/x'],
      [0x555555600000, 3, '[heap]'],
      [0x7f0000000000, 0, ''],
      [0x7ffffffde000, 3, '[stack]'],
    ]);
    const free = kernel.pmm.stats().freeFrames;
    const tables = kernel.pageTables.tablePageCount;
    kernel.exit(process.pid);
    kernel.check();
    expect(kernel.pmm.stats().freeFrames).toBe(free + 11 + 12);
    expect(kernel.pageTables.tablePageCount).toBe(tables - 12);
  });

  it('sv39: moved down by whole 1 GiB root entries, the same tables below the root', () => {
    // 5 leaf tables and 3 middle ones as on x86-64, and the root: 9.
    const model = modelSnapshot(LAYOUT, 'sv39', { keep: true });
    expect(model).toMatchObject({ fits: true, relocated: true, residentPages: 11, tablePages: 9 });
    expect(model.note).toMatch(/whole 1 GiB root entries/);
    model.kernel?.check();
    const bases = model.process?.space.regions.usedRegions().map((r) => r.base);
    // Root entries used, in order: 0x15555 -> 1, 0x1fc00 -> 2, 0x1ffff -> 3; offsets kept.
    expect(bases).toEqual([
      2 ** 30 + 0x15554000,
      2 ** 30 + 0x15558000,
      2 ** 30 + 0x15600000,
      2 * 2 ** 30,
      3 * 2 ** 30 + 0x3ffde000,
    ]);
  });

  it('i386: a table per 4 MiB used and the root, moved by whole 4 MiB entries', () => {
    // 4 MiB: 555555400000 (text, first heap pages), 555555800000, 7f0000400000, 7fffffc00000.
    const model = modelSnapshot(LAYOUT, 'i386', { keep: true });
    expect(model).toMatchObject({ fits: true, relocated: true, residentPages: 11, tablePages: 5 });
    model.kernel?.check();
  });

  it('says when a layout uses more root entries than the format has', () => {
    const wide = structuredClone(LAYOUT);
    wide.regions = Array.from({ length: 300 }, (_, i) =>
      region((i + 1) * 2 ** 31, (i + 1) * 2 ** 31 + 4096, 'rw-p', '', [0, 1]),
    );
    const model = modelSnapshot(wide, 'sv39');
    expect(model).toMatchObject({ fits: false, tablePages: 0 });
    expect(model.note).toMatch(/more 1024 MiB root entries than sv39's user half has/);
    expect(modelSnapshot(wide, 'x86-64')).toMatchObject({ fits: true, tablePages: 1 + 2 + 300 + 300 });
  });

  it('what if 2 MiB pages: whole aligned 2 MiB of private anonymous memory', () => {
    // The heap's two 2 MiB ranges become huge pages; text, the PROT_NONE page and the stack stay.
    expect(hugePageWhatIf(LAYOUT)).toEqual({
      hugePages: 2,
      leafTablesSaved: 2,
      residentPages: 6 + 1 + 1 + 2 * 512,
    });
  });
});
