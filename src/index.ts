// The public API of pageframe, by name, in layer order: what `import ... from 'pageframe'` gives.
// Anything not listed here is internal and may change; each layer adds its names in its block.

// Typed errors: every bad input throws a subclass of PageframeError and changes nothing.
export {
  AddressRangeError,
  AlignmentError,
  BusyError,
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
  PageframeError,
} from './common/errors.js';
export { bytes, hex } from './common/format.js';
// The RISC-V hart: RV64GC user mode, every access translated by the Sv39 MMU.
export {
  AccessKind,
  type AccessRecorder,
  Csr,
  Hart,
  type HartContext,
  type HartOptions,
  StopReason,
  TrapCause,
} from './cpu/index.js';
// The heap on its own (over an ArrayBuffer or a WebAssembly.Memory), small-program traces and
// warm throughput.
export { BufferHeap, type BufferHeapOptions } from './heap/buffer-heap.js';
export { BufferSpace, type BufferSpaceOptions } from './heap/buffer-space.js';
export { Heap, type HeapOptions, type HeapStats, MAX_ALLOCATION, type SizeClassStats } from './heap/heap.js';

// The heap: malloc per address space, and the kernel's own.
export { FreedBlockError, InteriorPointerError } from './heap/heap-errors.js';
export type { HeapSpace } from './heap/heap-space.js';
export { KernelHeap } from './heap/kernel-heap.js';
// IPC: mailboxes; copy, zero-copy move and read-only share of memory.
export {
  DEFAULT_MAILBOX_DEPTH,
  type IpcStats,
  Mailbox,
  MailboxFullError,
  type Message,
  type MessageHeader,
  NoSuchMailboxError,
  PostOffice,
  type PostOfficeOptions,
  type ReceivedMessage,
  type ReceiveOptions,
  type TransferKind,
} from './ipc/index.js';
// The machine: boot, the process table, the invariant checker.
export {
  type AsidAllocator,
  DEFAULT_MAX_PROCESSES,
  type ExitHook,
  type HolderCounter,
  Kernel,
  type KernelConfig,
  MAX_PID,
  MAX_REGION_LIMIT,
  Process,
  UnknownProcessError,
} from './kernel/index.js';
// Running Linux programs: the ELF loader, the initial stack, the system calls, the machine.
export {
  AuxKey,
  BufferedHost,
  DEFAULT_STACK_LIMIT,
  ElfError,
  type ElfImage,
  type ElfProblem,
  type ElfSegment,
  type ExecCounters,
  type ExecHost,
  type GrowableStack,
  growStack,
  type HartFactory,
  type InitialStack,
  type InitialStackInput,
  LinuxMachine,
  type LinuxMachineOptions,
  LinuxProcess,
  type LoadedProgram,
  layOutInitialStack,
  loadProgram,
  mapsLines,
  PIE_BASE,
  parseElf,
  processReport,
  RunState,
  shellStatus,
  syscallName,
  TIME_SLICE,
  type UserHart,
} from './kernel/linux/index.js';
export { Access, FaultCause, flagNames, Mode, PageFlags, PageSize } from './mmu/flags.js';
// The MMU: page-table formats in their hardware layouts, the walker, the TLB.
export {
  BufferMemory,
  createFormat,
  type DecodedEntry,
  decodeEntry,
  type EntryField,
  FORMATS,
  type FormatName,
  type FormatOptions,
  GLOBAL_ASID,
  I386Format,
  type LeafVisitor,
  type LookupResult,
  MAX_ASID,
  type MemoryBacking,
  Mmu,
  type MmuHardware,
  type MmuOptions,
  NonCanonicalAddressError,
  NotInRamError,
  type PageTableFormat,
  PageTables,
  type PhysicalMemoryAccess,
  Sv39Format,
  Tlb,
  type TlbConfig,
  type TlbCounters,
  type TlbDisagreement,
  type TlbEntry,
  X8664Format,
} from './mmu/index.js';
// Memory pressure: the swap device, swap entries, the reverse map and reclaim (docs/swap.md).
export { isSwapEntry, type SwapEntryFormat, swapEntryFormat } from './mmu/swap-entries.js';
// Physical memory: RAM, the boot memory map, the frame table and the frame allocators.
export { BuddyAllocator } from './phys/buddy-allocator.js';
export { FirstFitAllocator } from './phys/first-fit-allocator.js';
export { FrameState, FrameTable, FrameUse, KERNEL_OWNER, NO_FRAME } from './phys/frame-table.js';
export { defaultMemoryMap, formatMemoryMap } from './phys/memory-map.js';
export { FRAME_SHIFT, FRAME_SIZE, MAX_PHYSICAL_BYTES, PhysicalMemory } from './phys/physical-memory.js';
export { DEFAULT_RAM_BYTES, PhysicalMemoryManager } from './phys/physical-memory-manager.js';
export type {
  AllocationConstraint,
  FillPolicy,
  FrameAllocator,
  FrameAllocatorKind,
  FrameSource,
  MemoryRange,
  MemoryRangeType,
  PhysicalMemoryConfig,
  PhysicalStats,
} from './phys/types.js';
export { SwapCache } from './swap/swap-cache.js';
export { SwapDevice, type SwapDeviceConfig, type SwapStats } from './swap/swap-device.js';
export type { AttachOptions } from './vm/address-space.js';
// Address spaces: regions, demand paging, protection, copy-on-write.
export {
  AddressSpace,
  type AddressSpaceOptions,
  type AddressSpaceSnapshot,
  type BootedVm,
  bootVm,
  DEFAULT_REGION_LIMIT,
  type MapOptions,
  PAGE_SIZE,
  type PageMapping,
  Protection,
  ProtectionError,
  REGION_TYPE_NAMES,
  type RegionAttributes,
  RegionFlag,
  type RegionInfo,
  RegionMap,
  type RegionMapOptions,
  RegionType,
  type SegmentationCause,
  SegmentationFaultError,
  type VmBootConfig,
  type VmMachine,
} from './vm/index.js';
export { Eviction, evictFrame, reclaimPages } from './vm/reclaim.js';
export { ReverseMap } from './vm/reverse-map.js';
export {
  type ReclaimStats,
  type SkipCounts,
  type SwapConfig,
  type UnevictableCounts,
  VmSwap,
} from './vm/vm-swap.js';
export {
  formatRep,
  parseRep,
  RepOp,
  type RepTrace,
  RepTraceBuilder,
  TraceFormatError,
} from './workload/rep-trace.js';
export {
  buildMachineReport,
  type FrameRunReport,
  type HeapReport,
  type IpcReport,
  type MachineReport,
  type MachineSettingsReport,
  type MemoryRangeReport,
  type OwnerReport,
  type PageTableReport,
  type PhysicalReport,
  type ProcessReport,
  type ProcessSource,
  protectionText,
  type RegionReport,
  type ReportableProcess,
  type SizeClassReport,
  type TlbReport,
} from './workload/report.js';
export { renderReport } from './workload/report-text.js';
// Workloads: scenarios, the machine report, allocation traces and their replay.
export type {
  AllocForm,
  BinaryOp,
  Comparison,
  Expr,
  ExprFunction,
  FaultCauseName,
  FigureName,
  FrameAllocatorName,
  HeapSetting,
  IpcMode,
  MachineSpec,
  MemoryRangeSpec,
  PagingFormat,
  PrintItem,
  ProtectionSpec,
  Scenario,
  Statement,
  StatementBase,
  TouchAccess,
} from './workload/scenario/ast.js';
export {
  EXPR_FUNCTIONS,
  FAULT_CAUSES,
  FIGURES,
  FRAME_ALLOCATORS,
  HEAP_SETTINGS,
  PAGING_FORMATS,
} from './workload/scenario/ast.js';
export { DEMO_FILE, DEMO_SCENARIO } from './workload/scenario/demo-scenario.js';
export { ScenarioError } from './workload/scenario/errors.js';
export {
  type OutputLine,
  type RunOptions,
  runScenario,
  type ScenarioOutcome,
  ScenarioRun,
} from './workload/scenario/executor.js';
export {
  type ResolvedMachineSpec,
  ScenarioMachine,
  ScenarioProcess,
} from './workload/scenario/machine.js';
export { parseScenario } from './workload/scenario/parser.js';
// Snapshots of live Linux processes: the file, its check, and its model under a format.
export {
  checkSnapshot,
  type ProcessSnapshot,
  SNAPSHOT_KIND,
  type SnapshotRegion,
} from './workload/snapshot/snapshot-file.js';
export {
  type HugePageWhatIf,
  hugePageWhatIf,
  modelSnapshot,
  type SnapshotModel,
} from './workload/snapshot/snapshot-model.js';
// Memory pressure: page-replacement policies, memory-access traces and their replay (docs/swap.md).
export {
  ACCESS_OF_KIND,
  type Anomaly,
  type CurvePoint,
  comparePolicies,
  createPolicy,
  createTraceParser,
  DEFAULT_SEED,
  type FaultCurve,
  FutureUnknownError,
  faultCurve,
  guessTraceFormat,
  isPolicyName,
  LackeyParser,
  LackeyRecorder,
  MAX_CURVE_POINTS,
  MEMORY_TRACE_FORMATS,
  MemoryTrace,
  type MemoryTraceFormat,
  needsFuture,
  nextUses,
  POLICY_NAMES,
  type PolicyName,
  parseLackey,
  parseRw,
  type ReferenceBits,
  type ReplacementPolicy,
  RwParser,
  replayTrace,
  TraceAccessKind,
  TraceAddressError,
  type TracePager,
  type TracePages,
  type TraceParser,
  TraceReplay,
  type TraceReplayOptions,
  type TraceReplayResult,
  TraceSyntaxError,
  tracePages,
  wantsReportedAccesses,
} from './workload/trace/index.js';
export { heapAllocator } from './workload/traces/heap-allocator.js';
export {
  convertRecordedLog,
  RecordedLogError,
  type RecordedLogResult,
} from './workload/traces/recorded-log.js';
export {
  type ReplayAllocator,
  ReplayError,
  type ReplayMemory,
  type ReplayOptions,
  type ReplayResult,
  replay,
  replayFast,
} from './workload/traces/replay.js';
export { type ResidentBound, residentBound } from './workload/traces/resident-bound.js';
export { generateSmallProgram, SMALL_PROGRAMS, type SmallProgram } from './workload/traces/small-programs.js';
export { generateTrace, TRACE_PATTERNS, type TracePattern } from './workload/traces/trace-generator.js';
export {
  WARM_MILLISECONDS,
  type WarmSubject,
  type WarmThroughput,
  warmThroughput,
} from './workload/traces/warm-throughput.js';
