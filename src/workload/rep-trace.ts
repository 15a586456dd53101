/**
 * The CS:APP malloc-lab trace format (`.rep`): four header numbers, one a line (suggested heap
 * size, unused; number of ids; number of operations; weight, unused), then one operation a line:
 * `a ID SIZE` (malloc), `r ID SIZE` (realloc), `f ID` (free; `f -1` frees nothing).
 *
 * An id is a slot of the reference driver's block table, which starts as NULL pointers: `r` of an
 * id that holds no block is realloc(NULL, SIZE), a malloc; `f` of one is free(NULL), nothing; an
 * id is reused once its block is freed. Traces of real programs rely on all three.
 *
 * A trace is kept as parallel typed arrays (kind, id, size per operation) so a replay walks it
 * without touching an object per operation. The reader checks the header counts, the ids and
 * sizes, and that no `a` names an id whose block is still live (the driver would leak it), and
 * reports the first problem as `name:line: reason`.
 */
import { PageframeError } from '../common/errors.js';

export const RepOp = {
  Alloc: 0,
  Free: 1,
  Realloc: 2,
} as const;
export type RepOp = (typeof RepOp)[keyof typeof RepOp];

export interface RepTrace {
  name: string;
  /** Header line 1: the heap size the trace suggests (unused by the driver). */
  suggestedHeapSize: number;
  /** Header line 2: ids run from 0 to idCount - 1. */
  idCount: number;
  /** Header line 4: the trace's weight (unused). */
  weight: number;
  /** One entry per operation. */
  kinds: Uint8Array;
  ids: Int32Array;
  /** Bytes for `a` and `r`; 0 for `f`. */
  sizes: Float64Array;
}

/** A .rep file that is not well formed; the message is `name:line: reason`. */
export class TraceFormatError extends PageframeError {
  readonly line: number;

  constructor(name: string, line: number, reason: string) {
    super('ETRACE', `${name}:${line}: ${reason}`);
    this.line = line;
  }
}

/** The number of operations of a trace. */
export function opCount(trace: RepTrace): number {
  return trace.kinds.length;
}

/** Parses a .rep text. */
export function parseRep(text: string, name = 'trace'): RepTrace {
  const lines = text.split('\n');
  let lineNo = 0;
  const header: number[] = [];
  let lastContent = 0;
  const nextLine = (): string | undefined => {
    while (lineNo < lines.length) {
      const line = lines[lineNo++].trim();
      if (line !== '') {
        lastContent = lineNo;
        return line;
      }
    }
    lineNo = Math.max(lastContent, 1); // at the end, errors name the last line that had something (or the first)
    return undefined;
  };
  for (let i = 0; i < 4; i++) {
    const line = nextLine();
    if (line === undefined)
      throw new TraceFormatError(name, lineNo, `the header needs 4 numbers, found ${i}`);
    if (!/^\d+(\.\d+)?$/.test(line))
      throw new TraceFormatError(name, lineNo, `header line ${i + 1} must be a number, found '${line}'`);
    header.push(Number(line));
  }
  const [suggestedHeapSize, idCount, count, weight] = header;
  if (!Number.isInteger(idCount) || !Number.isInteger(count))
    throw new TraceFormatError(name, lineNo, 'the number of ids and of operations must be integers');
  const kinds = new Uint8Array(count);
  const ids = new Int32Array(count);
  const sizes = new Float64Array(count);
  const live = new Uint8Array(idCount);
  let n = 0;
  for (let line = nextLine(); line !== undefined; line = nextLine()) {
    const fields = line.split(/\s+/);
    const fail = (reason: string): never => {
      throw new TraceFormatError(name, lineNo, reason);
    };
    if (n >= count) fail(`more operations than the ${count} the header announces`);
    const op = fields[0];
    if (op !== 'a' && op !== 'r' && op !== 'f') fail(`unknown operation '${op}' (expected a, r or f)`);
    const want = op === 'f' ? 2 : 3;
    if (fields.length !== want) fail(`'${op}' takes ${want - 1} number(s), found ${fields.length - 1}`);
    if (!/^-?\d+$/.test(fields[1])) fail(`id '${fields[1]}' is not an integer`);
    const id = Number(fields[1]);
    if (op === 'f' && id === -1) {
      kinds[n] = RepOp.Free;
      ids[n] = -1;
      n++;
      continue;
    }
    if (id < 0 || id >= idCount) fail(`id ${id} is outside 0..${idCount - 1} (the header's number of ids)`);
    if (op === 'f') {
      live[id] = 0; // of an empty id: free(NULL), nothing
      kinds[n] = RepOp.Free;
    } else {
      if (!/^\d+$/.test(fields[2])) fail(`size '${fields[2]}' is not a byte count`);
      const size = Number(fields[2]);
      if (!Number.isSafeInteger(size)) fail(`size ${fields[2]} is too large`);
      if (op === 'a') {
        if (live[id]) fail(`malloc of id ${id}, which is already allocated`);
        live[id] = 1;
        kinds[n] = RepOp.Alloc;
      } else {
        live[id] = 1; // of an empty id: realloc(NULL, size), a malloc
        kinds[n] = RepOp.Realloc;
      }
      sizes[n] = size;
    }
    ids[n] = id;
    n++;
  }
  if (n !== count)
    throw new TraceFormatError(name, lineNo, `the header announces ${count} operations, found ${n}`);
  return { name, suggestedHeapSize, idCount, weight, kinds, ids, sizes };
}

/** Writes a trace in .rep form (the header's heap size is the trace's suggestion, or 0). */
export function formatRep(trace: RepTrace): string {
  const out: string[] = [
    String(trace.suggestedHeapSize),
    String(trace.idCount),
    String(trace.kinds.length),
    String(trace.weight),
  ];
  for (let i = 0; i < trace.kinds.length; i++) {
    const kind = trace.kinds[i];
    if (kind === RepOp.Alloc) out.push(`a ${trace.ids[i]} ${trace.sizes[i]}`);
    else if (kind === RepOp.Realloc) out.push(`r ${trace.ids[i]} ${trace.sizes[i]}`);
    else out.push(`f ${trace.ids[i]}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Builds a trace operation by operation, assigning ids; used by the generator and the recorder's
 * converter. Ids of freed blocks are reused (as malloc-lab traces do), so idCount stays small.
 */
export class RepTraceBuilder {
  private kinds: number[] = [];
  private ids: number[] = [];
  private sizes: number[] = [];
  private freeIds: number[] = [];
  private nextId = 0;

  constructor(private readonly name: string) {}

  get length(): number {
    return this.kinds.length;
  }

  /** malloc: returns the new block's id. */
  alloc(size: number): number {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
    this.push(RepOp.Alloc, id, size);
    return id;
  }

  /**
   * An id that holds no block, with no operation: `realloc` of it is the reference driver's
   * realloc(NULL, size), a malloc, and `free` of it is free(NULL), nothing.
   */
  emptyId(): number {
    return this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
  }

  realloc(id: number, size: number): void {
    this.push(RepOp.Realloc, id, size);
  }

  free(id: number): void {
    this.push(RepOp.Free, id, 0);
    if (id >= 0) this.freeIds.push(id);
  }

  build(suggestedHeapSize = 0, weight = 1): RepTrace {
    return {
      name: this.name,
      suggestedHeapSize,
      idCount: this.nextId,
      weight,
      kinds: Uint8Array.from(this.kinds),
      ids: Int32Array.from(this.ids),
      sizes: Float64Array.from(this.sizes),
    };
  }

  private push(kind: number, id: number, size: number): void {
    this.kinds.push(kind);
    this.ids.push(id);
    this.sizes.push(size);
  }
}
