/** The vm layer: region maps, address spaces, demand paging and copy-on-write. */
export {
  AddressSpace,
  type AddressSpaceOptions,
  type AddressSpaceSnapshot,
  type AttachOptions,
  type ForkOptions,
  type MapOptions,
  type PageMapping,
  TLB_FLUSH_CEILING,
  USER_SEARCH_FLOOR,
} from './address-space.js';
export type { FaultCounts } from './address-space-options.js';
export { ProtectionError, type SegmentationCause, SegmentationFaultError } from './errors.js';
export { FailingFrameSource } from './failing-frame-source.js';
export { LeafWriter, NO_TABLE } from './leaf-writer.js';
export {
  alignUp,
  DEFAULT_REGION_LIMIT,
  NOT_FOUND,
  PAGE_SIZE,
  RegionMap,
  type RegionMapOptions,
} from './region-map.js';
export {
  Protection,
  REGION_TYPE_NAMES,
  type RegionAttributes,
  RegionFlag,
  type RegionInfo,
  RegionType,
} from './region-types.js';
export { type BootedVm, bootVm, type VmBootConfig, type VmMachine } from './vm-machine.js';
