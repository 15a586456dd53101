/**
 * Turns the malloc-recorder's log (native/malloc-recorder.c) into a .rep trace: each live pointer
 * gets an id, calloc and the aligned forms become `a`, realloc(NULL, n) becomes `a`, and
 * realloc(p, 0) that freed p becomes `f`. Events the log cannot explain (a free of a pointer
 * allocated before recording started, or by a path the recorder does not see; a pointer handed
 * out twice without a free in between) are counted and repaired, never guessed into the trace.
 */
import { PageframeError } from '../../common/errors.js';
import { type RepTrace, RepTraceBuilder } from '../rep-trace.js';

export interface RecordedLogResult {
  trace: RepTrace;
  /** Frees and reallocs of pointers the log never saw allocated: left out. */
  unknownPointers: number;
  /** A pointer allocated again while live (its free was not seen): freed first. */
  reusedLive: number;
  /** Blocks still live at the end (the program exited without freeing them). */
  leaked: number;
}

export class RecordedLogError extends PageframeError {
  constructor(name: string, line: number, reason: string) {
    super('ETRACE', `${name}:${line}: ${reason}`);
  }
}

export function convertRecordedLog(text: string, name: string): RecordedLogResult {
  const builder = new RepTraceBuilder(name);
  const live = new Map<string, number>();
  let unknownPointers = 0;
  let reusedLive = 0;
  const lines = text.split('\n');
  const alloc = (ptr: string, size: number) => {
    const old = live.get(ptr);
    if (old !== undefined) {
      reusedLive++;
      builder.free(old);
    }
    live.set(ptr, builder.alloc(size));
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const f = line.split(' ');
    const fail = (reason: string): never => {
      throw new RecordedLogError(name, i + 1, reason);
    };
    const size = (field: string | undefined): number => {
      if (field === undefined || !/^\d+$/.test(field)) fail(`'${field}' is not a size`);
      return Number(field);
    };
    switch (f[0]) {
      case 'm':
      case 'c':
      case 'a':
        if (f.length !== 3) fail(`'${f[0]}' takes a pointer and a size`);
        alloc(f[1], size(f[2]));
        break;
      case 'f': {
        if (f.length !== 2) fail(`'f' takes a pointer`);
        const id = live.get(f[1]);
        if (id === undefined) unknownPointers++;
        else {
          live.delete(f[1]);
          builder.free(id);
        }
        break;
      }
      case 'r': {
        if (f.length !== 4) fail(`'r' takes two pointers and a size`);
        const [, from, to] = f;
        const bytes = size(f[3]);
        const id = from === '0' ? undefined : live.get(from);
        if (from !== '0' && id === undefined) unknownPointers++;
        if (to === '0') {
          // realloc(p, 0) freed p.
          if (id !== undefined) {
            live.delete(from);
            builder.free(id);
          }
        } else if (id === undefined) {
          alloc(to, bytes);
        } else {
          live.delete(from);
          const other = live.get(to);
          if (other !== undefined) {
            reusedLive++;
            builder.free(other);
          }
          builder.realloc(id, bytes);
          live.set(to, id);
        }
        break;
      }
      default:
        fail(`unknown event '${f[0]}'`);
    }
  }
  return { trace: builder.build(), unknownPointers, reusedLive, leaked: live.size };
}
