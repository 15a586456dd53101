import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Hart, type HartContext } from '../../src/cpu/hart.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { ElfError } from '../../src/kernel/linux/errors.js';
import { BufferedHost } from '../../src/kernel/linux/host.js';
import { LinuxMachine } from '../../src/kernel/linux/linux-machine.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';

const PROGRAMS = fileURLToPath(new URL('../../examples/programs/', import.meta.url));

function hasQemu(): boolean {
  return spawnSync('qemu-riscv64', ['-version'], { stdio: 'ignore' }).status === 0;
}
const qemu = hasQemu();
if (!qemu && process.env.CI) throw new Error('CI must have qemu-riscv64 (Debian package qemu-user)');

interface Run {
  stdout: string;
  stderr: string;
  status: number;
  machine: LinuxMachine<HartContext>;
}

/** Runs a shipped program on a fresh machine; checks the machine and that every frame came back. */
/** Reads the real files (read-only), keeps the output. */
class FileReadingHost extends BufferedHost {
  override readFile(path: string): Uint8Array | undefined {
    try {
      return new Uint8Array(readFileSync(path));
    } catch {
      return undefined;
    }
  }
}

function run(name: string, args: string[] = [], ramBytes = 64 << 20, input = ''): Run {
  const kernel = new Kernel({ format: 'sv39', ramBytes });
  const baseline = kernel.pmm.allocatedFrames;
  const host = new FileReadingHost(new Map(), new TextEncoder().encode(input));
  const machine = new LinuxMachine<HartContext>(kernel, host, (mmu, memory) => new Hart(mmu, memory));
  const path = PROGRAMS + name;
  const main = machine.exec(path, new Uint8Array(readFileSync(path)), [path, ...args], []);
  kernel.check();
  expect(machine.run()).toBe(true);
  kernel.check();
  expect(kernel.processCount).toBe(0);
  expect(kernel.pmm.allocatedFrames).toBe(baseline);
  const status = machine.exitStatus(main.pid);
  if (status === undefined) throw new Error(`${name} did not end`);
  return { stdout: host.output(1), stderr: host.output(2), status, machine };
}

/** What qemu-riscv64 prints and its exit status (128 + signal when killed, as a shell reports). */
function underQemu(name: string, args: string[] = [], input = ''): { stdout: string; status: number } {
  const path = PROGRAMS + name;
  const result = spawnSync('qemu-riscv64', [path, ...args], { env: {}, encoding: 'utf8', input });
  const signals: Record<string, number> = { SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9 };
  const status = result.status ?? 128 + (signals[result.signal ?? ''] ?? 0);
  return { stdout: result.stdout, status };
}

const CASES: [string, string[], string?][] = [
  ['hello', []],
  ['hello', ['one', 'two words', '']],
  ['malloc-heavy', []],
  ['fork-cow', []],
  ['mmap-protect', []],
  ['mmap-protect', ['segfault']],
  ['float', []],
  ['stack-growth', []],
  ['unknown-syscall', []],
  ['wc', [`${PROGRAMS}wc.c`, `${PROGRAMS}hello.c`, `${PROGRAMS}no-such-file`]],
  ['wc', [], 'one two\nthree\n\n  four  '],
];

describe.skipIf(!qemu)('shipped programs print what qemu-riscv64 prints', () => {
  it.each(CASES)('%s %j', (name, args, input = '') => {
    const ours = run(name, args, 64 << 20, input);
    const reference = underQemu(name, args, input);
    expect(ours.stdout).toBe(reference.stdout);
    expect(ours.status).toBe(reference.status);
  });
});

describe('the machine mid-run', () => {
  it.each([['fork-cow'], ['mmap-protect'], ['stack-growth']])(
    '%s: every invariant holds after each slice of 3000 instructions',
    (name) => {
      const kernel = new Kernel({ format: 'sv39', ramBytes: 64 << 20 });
      const baseline = kernel.pmm.allocatedFrames;
      const host = new BufferedHost();
      const machine = new LinuxMachine(kernel, host, (mmu, memory) => new Hart(mmu, memory));
      const path = PROGRAMS + name;
      const main = machine.exec(path, new Uint8Array(readFileSync(path)), [path], []);
      let slices = 0;
      while (!machine.run(3000)) {
        kernel.check();
        slices++;
      }
      kernel.check();
      expect(slices).toBeGreaterThan(5);
      expect(machine.exitStatus(main.pid)).toBe(0);
      expect(kernel.pmm.allocatedFrames).toBe(baseline);
    },
  );
});

describe('programs that fail', () => {
  it('a segmentation fault ends the program with signal 11 and says where and why', () => {
    const r = run('mmap-protect', ['segfault']);
    expect(r.status).toBe(139);
    expect(r.stderr).toMatch(
      /^pageframe: process 1 \(mmap-protect\) killed by SIGSEGV: write at 0x[0-9a-f]+ \(pc 0x[0-9a-f]+\): the mapping does not allow it\n$/,
    );
    expect(r.stdout).toMatch(/guard page set up; writing past the end\n$/);
  });

  it('running out of frames kills the program with SIGKILL and a message; every frame comes back', () => {
    const r = run('stack-growth', [], 4 << 20);
    expect(r.status).toBe(137);
    expect(r.stderr).toMatch(/killed by SIGKILL: out of memory/);
    expect(r.stdout).toBe('');
  });

  it('an unknown system call returns -ENOSYS, is counted and reported once', () => {
    const r = run('unknown-syscall');
    expect(r.status).toBe(38);
    expect(r.stdout).toBe('syscall 500 returned -1: Function not implemented\n');
    expect(r.stderr).toBe(
      'pageframe: process 1 (unknown-syscall): system call 500 (syscall_500) is not served; it returns -ENOSYS\n',
    );
    expect(r.machine.counters.unknownSyscalls.get(500)).toBe(1);
  });

  it('a file that is no program is refused before any process or frame is taken', () => {
    const kernel = new Kernel({ format: 'sv39', ramBytes: 16 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const machine = new LinuxMachine(kernel, new BufferedHost(), (mmu, memory) => new Hart(mmu, memory));
    const text = new TextEncoder().encode('not a program');
    expect(() => machine.exec('/x', text, ['/x'], [])).toThrow(ElfError);
    const hello = new Uint8Array(readFileSync(`${PROGRAMS}hello`));
    expect(() => machine.exec('/h', hello, ['/h'], [], { absolutePath: '/h' })).not.toThrow();
    // A frame allocation fails at each step of exec in turn: each time, nothing is left behind.
    for (const k of [0, 1, 5, 20, 60, 100]) {
      let failing: FailingFrameSource | undefined;
      const small = new Kernel({
        format: 'sv39',
        ramBytes: 16 << 20,
        wrapFrames: (pmm) => {
          failing = new FailingFrameSource(pmm);
          return failing;
        },
      });
      const starved = new LinuxMachine(small, new BufferedHost(), (mmu, memory) => new Hart(mmu, memory));
      const before = small.pmm.allocatedFrames;
      failing?.failAfter(k);
      expect(() => starved.exec('/h', hello, ['/h'], [])).toThrow(OutOfMemoryError);
      expect(small.processCount).toBe(0);
      expect(small.pmm.allocatedFrames).toBe(before);
      small.check();
    }
    expect(kernel.processCount).toBe(1);
    expect(kernel.pmm.allocatedFrames).toBeGreaterThan(baseline);
  });
});

describe('the system-call counts of a run', () => {
  it('hello makes the calls a static glibc program makes, as qemu -strace lists them', () => {
    const r = run('hello');
    expect(Object.fromEntries(r.machine.counters.syscalls)).toEqual({
      brk: 5,
      exit_group: 1,
      getrandom: 1,
      mprotect: 1,
      newfstatat: 1,
      prlimit64: 1,
      readlinkat: 1,
      set_robust_list: 1,
      set_tid_address: 1,
      write: 1,
    });
    if (!qemu) return;
    const trace = spawnSync('qemu-riscv64', ['-strace', `${PROGRAMS}hello`], { env: {}, encoding: 'utf8' });
    const names = [...trace.stderr.matchAll(/^\d+ (\w+)\(/gm)].map((m) => m[1]);
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
    expect(counts).toEqual(Object.fromEntries(r.machine.counters.syscalls));
  });
});
