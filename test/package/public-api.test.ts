/**
 * The package's public API (src/index.ts): the names a user imports are there, the internals are
 * not, and every error it exports is a typed PageframeError.
 */
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const PUBLIC = [
  'Kernel',
  'Process',
  'AddressSpace',
  'Heap',
  'PostOffice',
  'PageTables',
  'createFormat',
  'FORMATS',
  'Mmu',
  'Tlb',
  'PhysicalMemory',
  'PhysicalMemoryManager',
  'parseScenario',
  'runScenario',
  'ScenarioRun',
  'parseRep',
  'replay',
  'buildMachineReport',
  'renderReport',
  'PageframeError',
];

// Helpers of one layer that a user has no business depending on.
const INTERNAL = [
  'LeafWriter',
  'LinkedRegionList',
  'NumberMap',
  'tokenizeLine',
  'parseNumber',
  'evaluateConstant',
  'KEYWORDS',
  'FailingFrameSource',
  'AsidAllocator',
  'FRAME_CACHE_SIZE',
  'assertFrameAligned',
];

describe('public API', () => {
  it('exports the machine, the hardware models, the workloads and the typed errors', () => {
    for (const name of PUBLIC) expect(api, name).toHaveProperty(name);
  });

  it('keeps the internals internal', () => {
    for (const name of INTERNAL) expect(api, name).not.toHaveProperty(name);
  });

  it('every exported error class is a PageframeError', () => {
    const errors = Object.entries(api).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
    );
    expect(errors.length).toBeGreaterThanOrEqual(20);
    const untyped = errors
      .filter(([name]) => name !== 'PageframeError')
      .filter(([, value]) => !((value as { prototype: unknown }).prototype instanceof api.PageframeError))
      .map(([name]) => name);
    expect(untyped).toEqual([]);
  });

  it('boots a machine through the public names alone', () => {
    const kernel = new api.Kernel({ ramBytes: 4 * 1024 * 1024 });
    const process = kernel.createProcess('p');
    expect(process.pid).toBeGreaterThan(0);
    kernel.check();
  });
});
