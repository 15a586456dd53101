/**
 * A RISC-V hart, RV64GC in user mode, whose every fetch, load and store goes through the MMU's
 * Sv39 translation (memory-port.ts). The kernel that owns it sets pc and registers, calls run(),
 * and handles the trap it stops on (trapCause, trapValue: scause and stval), then runs it again.
 * Registers are pairs of int32 words (no BigInt on the hot path); readRegister and writeRegister
 * give them as signed 64-bit bigints.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { Mmu } from '../mmu/mmu.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import type { FloatControl } from './csr.js';
import { DecodeCache } from './decode-cache.js';
import { FloatRegisters } from './float-registers.js';
import { interpret } from './interpreter.js';
import { type AccessRecorder, MemoryPort } from './memory-port.js';

export const StopReason = { Trap: 1, Budget: 2 } as const;

/** Instructions per entry into the run loop. */
const SLICE = 1 << 16;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

export interface HartOptions {
  /** What the `time` CSR reads; by default the count of retired instructions (deterministic). */
  time?: () => number;
  /**
   * Flat memory, for measuring what translation costs: addresses are physical, the MMU is not
   * consulted, and addresses outside RAM raise access faults (causes 1, 5, 7). Default false.
   */
  flat?: boolean;
}

/** A hart's user-visible state: what a process switch saves and a fork copies. */
export interface HartContext {
  pc: number;
  /** x0..x31 as low and high int32 words: x[2i] low, x[2i + 1] high. */
  x: Int32Array;
  /** f0..f31 as raw 64-bit patterns, the same way. */
  f: Int32Array;
  fcsr: number;
  /** The LR reservation: its address, or -1 when there is none. */
  reservation: number;
}

export class Hart implements FloatControl {
  /** The address of the next instruction (after a trap: of the trapping one). */
  pc = 0;
  /** Register low and high words; index 32 is the sink that x0 writes go to. */
  readonly xlo = new Int32Array(33);
  readonly xhi = new Int32Array(33);
  readonly f = new FloatRegisters();
  fflags = 0;
  frm = 0;
  /** The LR reservation's address (-1: none); an SC to that address succeeds and clears it. */
  reservation = -1;
  /** Instructions retired so far. */
  instret = 0;
  /** Loads, stores and atomics executed (each one translated once). */
  dataAccesses = 0;
  readonly port: MemoryPort;
  readonly decodeCache = new DecodeCache();
  readonly time: (() => number) | null;
  /** Set by the interpreter when it stops on a trap. */
  cause = 0;
  value = 0;

  constructor(mmu: Mmu, memory: PhysicalMemory, options: HartOptions = {}) {
    if (mmu.format.name !== 'sv39') {
      throw new InvalidArgumentError(`a RISC-V hart needs an Sv39 MMU, not ${mmu.format.name}`);
    }
    if (mmu.memory !== memory) throw new InvalidArgumentError('the MMU walks a different PhysicalMemory');
    this.port = new MemoryPort(mmu, memory, options.flat ?? false);
    this.time = options.time ?? null;
  }

  /** scause of the last trap: 0..7 misaligned / access faults, 2 illegal, 3 breakpoint, 8 ecall, 12 / 13 / 15 page faults. */
  get trapCause(): number {
    return this.cause;
  }

  /** stval of the last trap: the faulting address, or the instruction's bits when illegal. */
  get trapValue(): number {
    return this.value;
  }

  /**
   * Sees every access (kind, virtual address, size, physical address) for traces and for exact
   * LRU; while set, nothing is cached, so it costs nothing when unset and is slow when set.
   */
  get onAccess(): AccessRecorder | null {
    return this.port.recorder;
  }

  set onAccess(recorder: AccessRecorder | null) {
    this.port.recorder = recorder;
    this.port.flush();
  }

  /**
   * Translations served by the fast path (every instruction fetch counts as one). Each one is a
   * hit of the modelled TLB too, so the run's TLB hits are this plus mmu.tlb.hits, and its
   * misses are mmu.tlb.misses.
   */
  get translationHits(): number {
    return this.instret + this.dataAccesses - this.port.misses;
  }

  /** Translations that missed the fast path and went to Mmu.translate. */
  get translationMisses(): number {
    return this.port.misses;
  }

  /** sstatus.MXR ("make executable readable"): user loads may read pages that are X but not R. */
  get mxr(): boolean {
    return this.port.mxr;
  }

  set mxr(on: boolean) {
    this.port.mxr = on;
  }

  readRegister(index: number): bigint {
    checkRegister(index);
    return (BigInt(this.xhi[index]) << 32n) | BigInt(this.xlo[index] >>> 0);
  }

  writeRegister(index: number, value: bigint): void {
    checkRegister(index);
    if (index === 0) return;
    const bits = BigInt.asUintN(64, value);
    this.xlo[index] = Number(bits & 0xffffffffn) | 0;
    this.xhi[index] = Number(bits >> 32n) | 0;
  }

  /**
   * Runs up to `maxInstructions` instructions; stops early on a trap (pc then addresses the
   * trapping instruction). Returns a StopReason.
   */
  run(maxInstructions: number): StopReason {
    if (!Number.isInteger(maxInstructions) || maxInstructions < 0) {
      throw new InvalidArgumentError(`instruction budget ${maxInstructions} must be a non-negative integer`);
    }
    if (!(Number.isInteger(this.pc) && this.pc % 2 === 0)) {
      throw new InvalidArgumentError(`pc ${this.pc} is not an even integer address`);
    }
    this.port.synchronize();
    // In slices: a run loop entered many times gets its whole body's type feedback before V8
    // optimizes it; entered once, it was sometimes optimized without feedback for its first lines,
    // deoptimized on the next entry and stayed three times slower.
    let left = maxInstructions;
    while (left > 0) {
      const slice = left < SLICE ? left : SLICE;
      if (interpret(this, slice) === StopReason.Trap) return StopReason.Trap;
      left -= slice;
    }
    return StopReason.Budget;
  }

  saveContext(): HartContext {
    const x = new Int32Array(64);
    for (let i = 0; i < 32; i++) {
      x[2 * i] = this.xlo[i];
      x[2 * i + 1] = this.xhi[i];
    }
    return {
      pc: this.pc,
      x,
      f: this.f.bits.slice(),
      fcsr: (this.frm << 5) | this.fflags,
      reservation: this.reservation,
    };
  }

  restoreContext(context: HartContext): void {
    if (context.x.length !== 64 || context.f.length !== 64) {
      throw new InvalidArgumentError('a hart context has 64 words of x and of f registers');
    }
    this.pc = context.pc;
    for (let i = 0; i < 32; i++) {
      this.xlo[i] = i === 0 ? 0 : context.x[2 * i];
      this.xhi[i] = i === 0 ? 0 : context.x[2 * i + 1];
    }
    this.f.bits.set(context.f);
    this.fflags = context.fcsr & 0x1f;
    this.frm = (context.fcsr >>> 5) & 7;
    this.reservation = context.reservation;
  }

  /** Drops the fast translation cache (Mmu invalidations already do this on the next run). */
  flushTranslations(): void {
    this.port.flush();
  }
}

function checkRegister(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 31) {
    throw new InvalidArgumentError(`register x${index} does not exist (x0..x31)`);
  }
}
