/**
 * The scenario `pageframe demo` (and `npm start`) runs: a tour of the seeds' design on a default
 * machine, one `print` a step saying what happened and why it matters, after a `check` (the
 * command runs the invariant checker there and at the end rather than after every statement).
 * The text is generated here (the language has no loops), so that the seed's "say 128 processes"
 * need not be written out by hand; examples/demo.pf is the same text, and a test keeps them equal.
 */
export const DEMO_FILE = 'demo.pf';

/** Workers the tour starts: with init and shell, the seed's "say 128 processes", the kernel's limit. */
export const DEMO_PROCESSES = 126;

function manyProcesses(count: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `worker-${String(i).padStart(3, '0')}`;
    lines.push(`process ${name}`);
    lines.push(`small = malloc ${16 * (1 + (i % 8))}`);
    lines.push(`mid = calloc ${1 + (i % 5)} 512`);
    if (i % 16 === 0)
      lines.push('big = malloc 48K                  # above the large threshold: an area of its own');
    lines.push(`write small "worker ${i}"`);
  }
  return lines.join('\n');
}

function exitAll(count: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) lines.push(`exit worker-${String(i).padStart(3, '0')}`);
  return lines.join('\n');
}

export const DEMO_SCENARIO = `# pageframe demo: a tour of the seeds' design.
# A PC-like machine: firmware at 0 and 640 KiB..1 MiB, the kernel image at 1 MiB.
machine ram 64M
machine paging i386
machine tlb 64 ways 4
machine allocator buddy
boot = allocated-frames          # the kernel's own page tables

# --- 1. The physical page manager: the seed's ppm_alloc in its three forms.
one = ppm_alloc                  # ppm_alloc(): a single frame
run = ppm_alloc 16               # ppm_alloc(count): 16 contiguous frames
dma = ppm_alloc 4 below 16M align 64K   # placed for an ISA DMA controller
fixed = ppm_alloc at 32M 8       # ppm_alloc(where, count): exactly these frames
expect allocated-frames == boot + 1 + 16 + 4 + 8
expect error EBUSY: ppm_alloc at 1M 1          # the kernel image is not RAM to hand out
expect error EBUSY: ppm_alloc at fixed 1       # already in use
ppm_free run 16
expect error EDOUBLEFREE: ppm_free run 1
ppm_free one
ppm_free dma 4
ppm_free fixed 8
check                            # the invariant checker, over every layer
print "1. Physical frames: ppm_alloc gave 1 frame at" one "then 16 contiguous at" run "then 4 for DMA below 16 MiB at" dma "and 8 at" fixed "but refused the kernel image and a double free. Every frame has one owner."

# --- 2. The seed's address space: regions sorted by address, some mapped, some not.
#   MemRegion7 (0x0000 to 0x1000, mapped)   -> pf1
#   MemRegion3 (0x1000 to 0x3000, unmapped)
#   MemRegion1 (0x3000 to 0x6000, mapped)   -> pf2 - pf5 - pf7
#   MemRegion4 (0x6000 to 0x8000, mapped)   -> pf6 - pf3
#   MemRegion2 (0x8000 to 0x10000, unmapped)
process init
r7 = vpm_alloc at 0x0000 1       # vpm_alloc(where, count)
r1 = vpm_alloc at 0x3000 3
r4 = vpm_alloc at 0x6000 2
touch r7
touch r1 12K
touch r4 8K
protect r4 8K r                  # read-only now: a region of its own, not merged with r1
expect regions init == 3
expect resident init == 6
expect fault not-mapped: touch 0x1000            # MemRegion3 is FREE
expect fault not-mapped: touch 0x8000            # and so is MemRegion2
check                            # the invariant checker, over every layer
print "2. Address space: init has the seed's 3 mapped regions, 6 pages that got frames at first touch; its 2 free regions fault. Memory costs nothing until used."

# The TLB caches translations: a second pass over the same pages hits instead of walking.
hits = tlb-hits
touch r1 12K read
touch r1 12K read
expect tlb-hits >= hits + 3
after = tlb-hits
check                            # the invariant checker, over every layer
print "3. TLB: a second pass over 3 pages hit the TLB" after - hits "times instead of walking the page tables in RAM again."

# malloc carves 64 KiB areas into slabs; bigger requests get an area of their own.
greeting = malloc 32
write greeting "hello from init"
expect read greeting "hello from init"
table = calloc 100 8
big = malloc 100K
big = realloc big 200K
expect read table x"00 00 00 00 00 00 00 00"
footprint = heap-footprint
check                            # the invariant checker, over every layer
print "4. malloc: small blocks share 64 KiB slab areas and a 200 KiB block got an area of its own:" footprint / 1K "KiB of areas in all."

# --- 3. fork: the child shares every page copy-on-write until one of them writes.
fork shell
expect refcount pa(r7) == 2
in shell: write greeting "hello from shell"
in shell: expect read greeting "hello from shell"
expect read greeting "hello from init"           # the parent's copy is untouched
expect refcount pa(r7) == 2                      # r7 is still shared
in shell: write r7 "mine"
expect refcount pa(r7) == 1                      # the child got a copy of its own
check                            # the invariant checker, over every layer
print "5. fork: shell shares init's frames copy-on-write; each write gave the writer a copy of that page only."

# --- 4. Zero-copy IPC: pages handed over or shared instead of copied.
switch init
page = vpm_alloc 4
write page "a 16 KiB message"
frame = pa(page)
send move page 16K to shell                     # unmapped here, mapped there: no byte copied
expect fault not-mapped: touch page
in shell: got = receive from init
in shell: expect pa(got) == frame               # the very frames init wrote
in shell: expect read got "a 16 KiB message"
in shell: lookup = vpm_alloc
in shell: write lookup "read-only table"
in shell: send share lookup 4K to init          # sealed read-only, one frame, two holders
table = receive from shell
expect read table "read-only table"
expect refcount pa(table) == 2
expect fault protection: write table "x"
send copy greeting 16 to shell                  # the single copy, for comparison
in shell: copy = receive
in shell: expect read copy "hello from init"
expect pages-moved == 4
expect bytes-copied == 16
check                            # the invariant checker, over every layer
print "6. IPC: 4 pages moved from init to shell and one page shared read-only, no byte copied; the copy send copied 16 bytes."

# --- 5. The seed's "say 128 processes": ${DEMO_PROCESSES} workers more, each with a heap.
${manyProcesses(DEMO_PROCESSES)}
expect processes == 128
expect error ELIMIT: process one-too-many      # the process table is full
check                            # the invariant checker, over every layer
print "7. 128 processes: the process table is full, each worker has a heap; the 129th process was refused."

# A three-stage zero-copy pipeline: the same two frames go from worker to worker.
switch worker-001
batch = vpm_alloc 2
write batch "stage 1"
frames = pa(batch)
send move batch 8K to worker-002
in worker-002: b2 = receive from worker-001
in worker-002: write b2 + 6 "2"
in worker-002: send move b2 8K to worker-003
in worker-003: b3 = receive from worker-002
in worker-003: expect read b3 "stage 2"
in worker-003: expect pa(b3) == frames
check                            # the invariant checker, over every layer
print "8. Pipeline: the same 2 frames went from worker-001 to worker-002 to worker-003, mapped in place each time."
switch init
report

# --- 6. Everything goes back: exits release frames, page tables and heaps.
${exitAll(DEMO_PROCESSES)}
exit shell
exit init
expect processes == 0
expect all-freed
check                            # the invariant checker, over every layer
print "9. Exit: every process is gone and every frame, page table and heap area came back to the free lists."
`;
