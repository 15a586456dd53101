/**
 * What a running program may reach of the world outside the machine: read-only files, its
 * standard streams and a clock. The core defines it and stays browser-safe; `pageframe exec`
 * implements it for Node (cli/node-exec-host.ts), tests and the playground with BufferedHost.
 */

export interface ExecHost {
  /** A file's whole content (read-only), or undefined when there is no such file. */
  readFile(path: string): Uint8Array | undefined;
  /** Reads standard input into `target`: the count read, 0 at the end of input. */
  readInput(target: Uint8Array): number;
  /** Writes to standard output (1) or standard error (2). */
  writeOutput(stream: 1 | 2, bytes: Uint8Array): void;
  /** CLOCK_REALTIME: nanoseconds since the Unix epoch. */
  realtimeNanoseconds(): bigint;
  /** CLOCK_MONOTONIC: nanoseconds since some fixed start. */
  monotonicNanoseconds(): bigint;
}

/** A host held in memory: bundled files, a given input, collected output and a fixed clock. */
export class BufferedHost implements ExecHost {
  readonly files: Map<string, Uint8Array>;
  private input: Uint8Array;
  private inputAt = 0;
  private readonly chunks: { stream: 1 | 2; bytes: Uint8Array }[] = [];
  /** Nanoseconds the clock advances on each reading (a deterministic clock). */
  private clock = 1_700_000_000_000_000_000n;

  constructor(files: Map<string, Uint8Array> = new Map(), input: Uint8Array = new Uint8Array(0)) {
    this.files = files;
    this.input = input;
  }

  readFile(path: string): Uint8Array | undefined {
    return this.files.get(path);
  }

  readInput(target: Uint8Array): number {
    const n = Math.min(target.length, this.input.length - this.inputAt);
    target.set(this.input.subarray(this.inputAt, this.inputAt + n));
    this.inputAt += n;
    return n;
  }

  writeOutput(stream: 1 | 2, bytes: Uint8Array): void {
    this.chunks.push({ stream, bytes: bytes.slice() });
  }

  realtimeNanoseconds(): bigint {
    this.clock += 1_000_000n;
    return this.clock;
  }

  monotonicNanoseconds(): bigint {
    return this.realtimeNanoseconds() - 1_700_000_000_000_000_000n;
  }

  /** Everything written to `stream`, as text. */
  output(stream: 1 | 2): string {
    return new TextDecoder().decode(this.outputBytes(stream));
  }

  outputBytes(stream: 1 | 2): Uint8Array {
    const parts = this.chunks.filter((c) => c.stream === stream);
    const out = new Uint8Array(parts.reduce((n, c) => n + c.bytes.length, 0));
    let at = 0;
    for (const c of parts) {
      out.set(c.bytes, at);
      at += c.bytes.length;
    }
    return out;
  }
}
