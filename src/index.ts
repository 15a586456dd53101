// The public API of pageframe: one line a module, in layer order.
export * from './common/errors.js';
export * from './common/format.js';
export * from './kernel/index.js';
export * from './mmu/index.js';
export * from './phys/buddy-allocator.js';
export * from './phys/first-fit-allocator.js';
export * from './phys/frame-table.js';
export * from './phys/memory-map.js';
export * from './phys/physical-memory.js';
export * from './phys/physical-memory-manager.js';
export * from './phys/types.js';
export * from './vm/index.js';
// The vm's Protection constants win over the scenario AST's Protection interface of the same name.
export { Protection } from './vm/index.js';
export * from './workload/report.js';
export * from './workload/report-text.js';
export * from './workload/scenario/ast.js';
export * from './workload/scenario/demo-scenario.js';
export * from './workload/scenario/errors.js';
export * from './workload/scenario/executor.js';
export * from './workload/scenario/machine.js';
export * from './workload/scenario/parser.js';
