/**
 * A process's open files: descriptors 0, 1 and 2 are the host's standard streams, the others
 * host files opened read-only, each read whole at open. A forked child gets the same open-file
 * objects, so parent and child share each file's position, as after Linux's fork.
 */

export const OpenFileKind = { Input: 0, Output: 1, Error: 2, File: 3 } as const;
export type OpenFileKind = (typeof OpenFileKind)[keyof typeof OpenFileKind];

export interface OpenFile {
  kind: OpenFileKind;
  /** The host path, for File. */
  path: string;
  /** The whole content, for File. */
  bytes: Uint8Array;
  position: number;
}

/** Linux's default RLIMIT_NOFILE soft limit. */
export const MAX_OPEN_FILES = 1024;

export class FileTable {
  private readonly slots: (OpenFile | undefined)[];

  constructor(slots?: (OpenFile | undefined)[]) {
    this.slots = slots ?? [
      { kind: OpenFileKind.Input, path: 'stdin', bytes: new Uint8Array(0), position: 0 },
      { kind: OpenFileKind.Output, path: 'stdout', bytes: new Uint8Array(0), position: 0 },
      { kind: OpenFileKind.Error, path: 'stderr', bytes: new Uint8Array(0), position: 0 },
    ];
  }

  get(fd: number): OpenFile | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.slots[fd] : undefined;
  }

  /** The lowest free descriptor for `file`, or -1 when MAX_OPEN_FILES are open. */
  open(file: OpenFile): number {
    for (let fd = 0; fd < MAX_OPEN_FILES; fd++) {
      if (this.slots[fd] === undefined) {
        this.slots[fd] = file;
        return fd;
      }
    }
    return -1;
  }

  /** Puts `file` at descriptor `fd`, which must be free (dup3). */
  place(fd: number, file: OpenFile): void {
    this.slots[fd] = file;
  }

  /** Whether `fd` was open. */
  close(fd: number): boolean {
    if (this.get(fd) === undefined) return false;
    this.slots[fd] = undefined;
    return true;
  }

  /** The child's table after fork: the same open files. */
  fork(): FileTable {
    return new FileTable(this.slots.slice());
  }

  get openCount(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }
}
