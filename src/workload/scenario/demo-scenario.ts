/**
 * The scenario `pageframe demo` (and `npm start`) runs: a tour of the seeds' design on a default
 * machine. It grows with the layers: today it shows the physical memory manager.
 */
export const DEMO_FILE = 'demo.pf';

export const DEMO_SCENARIO = `# pageframe demo: a tour of the seeds' design.
# A PC-like machine: firmware at 0 and 640 KiB..1 MiB, the kernel image at 1 MiB.
machine ram 64M
machine allocator buddy

# The physical memory manager, the seed's ppm_alloc in its three forms.
one = ppm_alloc                   # ppm_alloc(): a single frame
run = ppm_alloc 16                # ppm_alloc(count): 16 contiguous frames
dma = ppm_alloc 4 below 16M align 64K   # placed for an ISA DMA controller
fixed = ppm_alloc at 32M 8        # ppm_alloc(where, count): exactly these frames
print "ppm_alloc()          ->" one
print "ppm_alloc(16)        ->" run
print "ppm_alloc(4) < 16M   ->" dma
print "ppm_alloc(32M, 8)    ->" fixed
expect refcount one == 1
expect allocated-frames == 1 + 16 + 4 + 8

# Frames that are not usable cannot be taken, and nothing is freed twice.
expect error EBUSY: ppm_alloc at 1M 1              # the kernel image
expect error EBUSY: ppm_alloc at fixed 1           # already in use
report
ppm_free run 16
expect error EDOUBLEFREE: ppm_free run 1
ppm_free one
ppm_free dma 4
ppm_free fixed 8
expect all-freed
`;
