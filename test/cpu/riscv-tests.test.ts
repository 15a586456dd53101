/**
 * The riscv-tests user ISA programs (rv64ui, um, ua, uc, uf, ud), built by
 * scripts/build-riscv-tests.sh with the project's user-mode environment, each run on the hart
 * through Sv39 tables and the TLB, and under qemu-riscv64 as the reference: both must pass.
 * Without the cross compiler the tests are skipped, unless CI is set.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestMachine } from './machine.js';

const root = join(import.meta.dirname, '..', '..');
const outputDir = join(root, 'test-output', 'riscv-tests');
const sourceDir = process.env.RISCV_TESTS ?? join(root, '..', 'shared', 'riscv-tests', 'isa');
const hasTool = (tool: string): boolean => spawnSync(tool, ['--version']).status === 0;
const haveCompiler = hasTool('riscv64-linux-gnu-gcc');
const haveQemu = hasTool('qemu-riscv64');
const required = Boolean(process.env.CI);

function builtTests(): string[] {
  if (!haveCompiler) return [];
  execFileSync(join(root, 'scripts', 'build-riscv-tests.sh'), [sourceDir, outputDir], { stdio: 'pipe' });
  return readdirSync(outputDir)
    .filter((name) => /^rv64u[a-z]-[a-z0-9_]+$/.test(name))
    .sort();
}

const tests = builtTests();

describe('riscv-tests', () => {
  it.skipIf(haveCompiler && haveQemu && tests.length > 0 ? false : !required)(
    'are built, all six suites',
    () => {
      expect(haveCompiler).toBe(true);
      expect(haveQemu).toBe(true);
      const suites = new Set(tests.map((name) => name.split('-')[0]));
      expect([...suites].sort()).toEqual(['rv64ua', 'rv64uc', 'rv64ud', 'rv64uf', 'rv64ui', 'rv64um']);
      expect(tests.length).toBeGreaterThanOrEqual(100);
    },
  );

  for (const name of tests) {
    it(`${name} passes on the hart and under QEMU`, () => {
      const path = join(outputDir, name);
      const machine = new TestMachine();
      machine.loadElf(new Uint8Array(readFileSync(path)));
      const result = machine.runToExit();
      expect({ status: result.status, failedTest: result.status === 0 ? 0 : result.testNumber }).toEqual({
        status: 0,
        failedTest: 0,
      });
      machine.pageTables.check();
      expect(machine.mmu.tlbDisagreements()).toEqual([]);
      if (haveQemu || required) expect(spawnSync('qemu-riscv64', [path]).status).toBe(0);
    });
  }
});
