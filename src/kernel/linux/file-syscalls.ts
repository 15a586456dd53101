/**
 * The file system calls: read, write, readv, writev on the standard streams and on host files
 * opened read-only; openat, close, lseek, fstat, newfstatat, readlinkat (/proc/self/exe) and
 * ioctl (TCGETS: not a terminal), dup, dup3 and fcntl. Each returns a count or a negated errno.
 */
import type { AddressSpace } from '../../vm/address-space.js';
import { Errno } from './errno.js';
import { MAX_OPEN_FILES, type OpenFile, OpenFileKind } from './file-table.js';
import type { ExecHost } from './host.js';
import type { LinuxProcess } from './linux-process.js';
import { readUser, readUserString, writeUser } from './user-memory.js';

const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const O_ACCMODE = 3;
const O_DIRECTORY = 0x10000;
const O_WRONLY = 1;
const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;
/** struct stat of the generic ABI (asm-generic/stat.h): 128 bytes. */
const STAT_BYTES = 128;
/** The standard streams read as pipes, as under a test harness or a shell pipeline. */
const S_IFIFO = 0o010000;
const S_IFREG = 0o100000;
/** Largest single transfer a call makes (Linux's MAX_RW_COUNT is about 2 GiB; ours is smaller). */
const MAX_TRANSFER = 1 << 24;

export interface FileCallContext {
  self: LinuxProcess;
  space: AddressSpace;
  host: ExecHost;
}

export function read(c: FileCallContext, fd: number, buffer: number, count: number): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  if (file.kind === OpenFileKind.Output || file.kind === OpenFileKind.Error) return -Errno.EBADF;
  const bytes = new Uint8Array(Math.min(count, MAX_TRANSFER));
  let n: number;
  if (file.kind === OpenFileKind.Input) {
    n = c.host.readInput(bytes);
  } else {
    n = Math.max(0, Math.min(bytes.length, file.bytes.length - file.position));
    bytes.set(file.bytes.subarray(file.position, file.position + n));
  }
  if (n > 0 && !writeUser(c.space, buffer, bytes.subarray(0, n))) return -Errno.EFAULT;
  if (file.kind === OpenFileKind.File) file.position += n;
  return n;
}

export function write(c: FileCallContext, fd: number, buffer: number, count: number): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  if (file.kind !== OpenFileKind.Output && file.kind !== OpenFileKind.Error) return -Errno.EBADF;
  if (count === 0) return 0;
  const bytes = readUser(c.space, buffer, Math.min(count, MAX_TRANSFER));
  if (!bytes) return -Errno.EFAULT;
  c.host.writeOutput(file.kind === OpenFileKind.Output ? 1 : 2, bytes);
  return bytes.length;
}

/** readv / writev: the iovec array is {base, length} pairs of 8-byte words. */
export function vectored(
  c: FileCallContext,
  fd: number,
  vector: number,
  count: number,
  transfer: typeof read,
): number {
  if (count < 0 || count > 1024) return -Errno.EINVAL;
  const raw = readUser(c.space, vector, count * 16);
  if (!raw) return -Errno.EFAULT;
  const view = new DataView(raw.buffer);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const base = Number(view.getBigUint64(i * 16, true));
    const length = Number(view.getBigUint64(i * 16 + 8, true));
    if (length === 0) continue;
    const n = transfer(c, fd, base, length);
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (n < length) break;
  }
  return total;
}

export function openat(c: FileCallContext, directory: number, pathAddress: number, flags: number): number {
  const path = readUserString(c.space, pathAddress);
  if (path === undefined) return -Errno.EFAULT;
  if (directory !== AT_FDCWD && !path.startsWith('/')) return -Errno.ENOENT;
  if ((flags & O_ACCMODE) !== 0) return -Errno.EROFS;
  if (flags & O_DIRECTORY) return -Errno.ENOTDIR;
  const bytes = c.host.readFile(path);
  if (!bytes) return -Errno.ENOENT;
  const fd = c.self.files.open({ kind: OpenFileKind.File, path, bytes, position: 0 });
  return fd < 0 ? -Errno.EMFILE : fd;
}

export function close(c: FileCallContext, fd: number): number {
  return c.self.files.close(fd) ? 0 : -Errno.EBADF;
}

export function lseek(c: FileCallContext, fd: number, offset: number, whence: number): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  if (file.kind !== OpenFileKind.File) return -Errno.ESPIPE;
  const from =
    whence === SEEK_SET
      ? 0
      : whence === SEEK_CUR
        ? file.position
        : whence === SEEK_END
          ? file.bytes.length
          : -1;
  if (from < 0 || from + offset < 0) return -Errno.EINVAL;
  file.position = from + offset;
  return file.position;
}

export function fstat(c: FileCallContext, fd: number, statAddress: number): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  return writeUser(c.space, statAddress, statOf(file)) ? 0 : -Errno.EFAULT;
}

export function newfstatat(
  c: FileCallContext,
  directory: number,
  pathAddress: number,
  statAddress: number,
  flags: number,
): number {
  const path = readUserString(c.space, pathAddress);
  if (path === undefined) return -Errno.EFAULT;
  if (path === '' && flags & AT_EMPTY_PATH) return fstat(c, directory, statAddress);
  if (directory !== AT_FDCWD && !path.startsWith('/')) return -Errno.ENOENT;
  const bytes = c.host.readFile(path);
  if (!bytes) return -Errno.ENOENT;
  const file: OpenFile = { kind: OpenFileKind.File, path, bytes, position: 0 };
  return writeUser(c.space, statAddress, statOf(file)) ? 0 : -Errno.EFAULT;
}

/** readlinkat: only /proc/self/exe, which names the program's path. */
export function readlinkat(c: FileCallContext, pathAddress: number, buffer: number, size: number): number {
  const path = readUserString(c.space, pathAddress);
  if (path === undefined) return -Errno.EFAULT;
  if (path !== '/proc/self/exe') return -Errno.ENOENT;
  if (size <= 0) return -Errno.EINVAL;
  const target = new TextEncoder().encode(c.self.executable).subarray(0, size);
  return writeUser(c.space, buffer, target) ? target.length : -Errno.EFAULT;
}

/** ioctl: TCGETS on any descriptor answers "not a terminal", so output is fully buffered. */
export function ioctl(c: FileCallContext, fd: number, request: number): number {
  if (!c.self.files.get(fd)) return -Errno.EBADF;
  // TCGETS and every other terminal request: no descriptor here is a terminal.
  void request;
  return -Errno.ENOTTY;
}

/** dup, dup3 and fcntl's F_DUPFD: a second descriptor for the same open file (the lowest free, or `target`). */
export function dup(c: FileCallContext, fd: number, target = -1): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  if (target < 0) {
    const copy = c.self.files.open(file);
    return copy < 0 ? -Errno.EMFILE : copy;
  }
  if (target === fd || target >= MAX_OPEN_FILES) return -Errno.EINVAL;
  c.self.files.close(target);
  c.self.files.place(target, file);
  return target;
}

/** fcntl: F_DUPFD, the descriptor flags (kept as none) and the status flags (the access mode). */
export function fcntl(c: FileCallContext, fd: number, command: number): number {
  const file = c.self.files.get(fd);
  if (!file) return -Errno.EBADF;
  switch (command) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      return dup(c, fd);
    case F_GETFD:
    case F_SETFD:
    case F_SETFL:
      return 0;
    case F_GETFL:
      return file.kind === OpenFileKind.Output || file.kind === OpenFileKind.Error ? O_WRONLY : 0;
    default:
      return -Errno.EINVAL;
  }
}

/** struct stat: a pipe for the streams, a read-only regular file for host files. */
function statOf(file: OpenFile): Uint8Array {
  const bytes = new Uint8Array(STAT_BYTES);
  const view = new DataView(bytes.buffer);
  const regular = file.kind === OpenFileKind.File;
  view.setBigUint64(8, BigInt(regular ? 1000 + file.path.length : 3 + file.kind), true); // st_ino
  view.setUint32(16, regular ? S_IFREG | 0o444 : S_IFIFO | 0o600, true); // st_mode
  view.setUint32(20, 1, true); // st_nlink
  view.setBigInt64(48, BigInt(regular ? file.bytes.length : 0), true); // st_size
  view.setInt32(56, 4096, true); // st_blksize
  view.setBigInt64(64, BigInt(Math.ceil(file.bytes.length / 512)), true); // st_blocks
  return bytes;
}
