/**
 * What the scenario statement `exec` runs programs with: one LinuxMachine (with a RISC-V hart)
 * per scenario machine, made on first use, whose programs read their files from the run's
 * ProgramFiles and whose output becomes the scenario's printed lines.
 */
import { Hart, type HartContext } from '../../cpu/hart.js';
import { BufferedHost } from '../../kernel/linux/host.js';
import { LinuxMachine } from '../../kernel/linux/linux-machine.js';
import type { ScenarioMachine } from './machine.js';

/** Program files by path (the command reads the host's files; the browser bundles some). */
export interface ProgramFiles {
  read(path: string): Uint8Array | undefined;
}

/** A host whose files are the run's program files and whose output is taken line by line. */
class ScenarioHost extends BufferedHost {
  private taken = { 1: 0, 2: 0 };

  constructor(private readonly programs: ProgramFiles) {
    super();
  }

  override readFile(path: string): Uint8Array | undefined {
    return this.programs.read(path);
  }

  /** What `stream` received since the last call, as lines (a last partial line too). */
  takeLines(stream: 1 | 2): string[] {
    const text = this.output(stream);
    const fresh = text.slice(this.taken[stream]);
    this.taken[stream] = text.length;
    if (fresh === '') return [];
    return fresh.replace(/\n$/, '').split('\n');
  }
}

export interface ScenarioPrograms {
  linux: LinuxMachine<HartContext>;
  host: ScenarioHost;
}

const RUNNERS = new WeakMap<ScenarioMachine, ScenarioPrograms>();

/** The machine's program runner. Throws InvalidArgumentError unless it pages with Sv39. */
export function programsOf(machine: ScenarioMachine, files: ProgramFiles): ScenarioPrograms {
  let runner = RUNNERS.get(machine);
  if (!runner) {
    const host = new ScenarioHost(files);
    const linux = new LinuxMachine<HartContext>(machine.kernel, host, (mmu, memory) => new Hart(mmu, memory));
    runner = { linux, host };
    RUNNERS.set(machine, runner);
  }
  return runner;
}
