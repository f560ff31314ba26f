// The only side effects of the cgroup code: reading, writing, making and removing files in a cgroup
// file system. Everything else in src/kernel/cgroup decides *what* to write; this file does it.
// Tests pass a different CgroupIO that behaves like the kernel over a temporary tree
// (test/helpers/cgroupfs.ts); the engine uses nodeCgroupIO.
import fs from 'node:fs';
import { SkiffError } from '../../engine/errors.ts';
import type { CgroupWrite } from './types.ts';

export interface CgroupIO {
  /** The whole file as text. */
  read(file: string): string;
  /** One write(2) of the whole value: the kernel parses each write of a cgroup file on its own. */
  write(file: string, value: string): void;
  exists(path: string): boolean;
  /** mkdir(2): in a cgroup file system this makes a cgroup, and the kernel fills in its files. */
  mkdir(dir: string): void;
  /** rmdir(2): removes a cgroup with its control files; EBUSY while it still has processes. */
  rmdir(dir: string): void;
  /** The names of the subdirectories (child cgroups) of a directory. */
  subdirs(dir: string): string[];
}

export const nodeCgroupIO: CgroupIO = {
  read: (file) => fs.readFileSync(file, 'utf8'),
  write(file, value) {
    // O_WRONLY without O_CREAT: a control file the kernel does not offer is an error (ENOENT), not
    // a new regular file. O_TRUNC is ignored by cgroupfs but makes a plain file behave the same.
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      fs.writeSync(fd, value);
    } finally {
      fs.closeSync(fd);
    }
  },
  exists: (path) => fs.existsSync(path),
  mkdir: (dir) => fs.mkdirSync(dir),
  rmdir: (dir) => fs.rmdirSync(dir),
  subdirs: (dir) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
};

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A refused cgroup operation as one line for the user, with what usually fixes it. */
export function cgroupError(e: unknown, action: string, path: string): SkiffError {
  const code = errnoCode(e) ?? String(e);
  let hint: string;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      hint = 'cgroup files belong to root: run the engine as root';
      break;
    case 'EROFS':
      hint = 'the cgroup file system is mounted read-only here (inside a container?); mount it read-write';
      break;
    case 'EINVAL':
    case 'ERANGE':
      hint = 'the kernel refused the value; check it against the limits of the parent cgroup';
      break;
    case 'ENOENT':
      hint = 'the cgroup or its control file does not exist (was the container removed?)';
      break;
    case 'EBUSY':
      hint = 'processes are still running in it; stop them first';
      break;
    default:
      hint = 'see dmesg for what the kernel reported';
  }
  return new SkiffError('CGROUP', `cannot ${action} ${path}: ${code}`, hint, { cause: e });
}

/** Reads a control file; a failure is a SkiffError naming the file. */
export function readFile(io: CgroupIO, file: string): string {
  try {
    return io.read(file);
  } catch (e) {
    throw cgroupError(e, 'read', file);
  }
}

/** Reads a file when it exists: for the optional ones (memory.peak since Linux 5.19, ...). */
export function readIfExists(io: CgroupIO, file: string): string | undefined {
  return io.exists(file) ? readFile(io, file) : undefined;
}

/** Writes a control file and returns the write, for the events; a refusal is a SkiffError. */
export function writeFile(io: CgroupIO, file: string, value: string): CgroupWrite {
  try {
    io.write(file, value);
  } catch (e) {
    throw cgroupError(e, `write ${JSON.stringify(value)} to`, file);
  }
  return { file, value };
}
