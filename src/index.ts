// The public API of pageframe: one line a module, in layer order.
export * from './common/errors.js';
export * from './common/format.js';
export * from './heap/heap.js';
export * from './heap/heap-errors.js';
export * from './heap/heap-space.js';
export * from './heap/kernel-heap.js';
export * from './heap/size-classes.js';
export * from './heap/sparse-space.js';
export * from './ipc/index.js';
export * from './kernel/index.js';
export * from './mmu/index.js';
// The MMU for emulator authors (engineer mmu's block): memory of their own, guest-built tables,
// a shared TLB, batch translation.
export {
  BufferMemory,
  createFormat,
  type FormatOptions,
  type MemoryBacking,
  Mmu,
  type MmuHardware,
  type MmuOptions,
  type PhysicalMemoryAccess,
  Tlb,
} from './mmu/index.js';
export * from './phys/buddy-allocator.js';
export * from './phys/first-fit-allocator.js';
export * from './phys/frame-table.js';
export * from './phys/memory-map.js';
export * from './phys/physical-memory.js';
export * from './phys/physical-memory-manager.js';
export * from './phys/types.js';
export * from './vm/index.js';
export * from './workload/rep-trace.js';
export * from './workload/report.js';
export * from './workload/report-text.js';
export * from './workload/scenario/ast.js';
export * from './workload/scenario/demo-scenario.js';
export * from './workload/scenario/errors.js';
export * from './workload/scenario/executor.js';
export * from './workload/scenario/faults.js';
export * from './workload/scenario/machine.js';
export * from './workload/scenario/parser.js';
export * from './workload/scenario/show.js';
export * from './workload/traces/heap-allocator.js';
export * from './workload/traces/recorded-log.js';
export * from './workload/traces/replay.js';
export * from './workload/traces/trace-generator.js';
