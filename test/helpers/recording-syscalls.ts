// A Syscalls that records every call instead of making it (youki's syscall/test.rs idea): the
// init's steps can then be checked, in order, without root and without touching the machine.
import type { Syscalls } from '../../src/kernel/syscalls.ts';

export type Call = [name: string, ...args: unknown[]];

export function recordingSyscalls(): Syscalls & { calls: Call[] } {
  const calls: Call[] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push([name, ...args]);
  return {
    calls,
    mount: rec('mount'),
    umount2: rec('umount2'),
    pivotRoot: rec('pivotRoot'),
    chdir: rec('chdir'),
    chroot: rec('chroot'),
    sethostname: rec('sethostname'),
    mknod: rec('mknod'),
    setns: rec('setns'),
    setNoNewPrivs: rec('setNoNewPrivs'),
    dropBoundingCap: rec('dropBoundingCap'),
    clearAmbientCaps: rec('clearAmbientCaps'),
    capset: rec('capset'),
    setsid: rec('setsid'),
    setControllingTerminal: rec('setControllingTerminal'),
    dup2: rec('dup2'),
    cloexecFrom: rec('cloexecFrom'),
    clearCloexec: rec('clearCloexec'),
    resetSignals: rec('resetSignals'),
    loopbackUp: rec('loopbackUp'),
    linkUp: rec('linkUp'),
    setIpv4Address: rec('setIpv4Address'),
    addDefaultRoute: rec('addDefaultRoute'),
    execve(path: string, argv: readonly string[], env: readonly string[]): never {
      calls.push(['execve', path, argv, env]);
      throw Object.assign(new Error('recorded'), { code: 'RECORDED' });
    },
  };
}
