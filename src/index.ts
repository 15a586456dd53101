// The public API of pageframe: one line a module, in layer order.
export * from './common/errors.js';
export * from './common/format.js';
export * from './phys/buddy-allocator.js';
export * from './phys/first-fit-allocator.js';
export * from './phys/frame-table.js';
export * from './phys/memory-map.js';
export * from './phys/physical-memory.js';
export * from './phys/physical-memory-manager.js';
export * from './phys/types.js';
export * from './mmu/index.js';
