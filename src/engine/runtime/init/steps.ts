// Carrying out the root filesystem plan (../plan.ts), one step at a time, inside the container's
// new mount namespace. Each step is reported as it is done; the engine turns the reports into
// events. All kernel calls go through `Syscalls`, so tests replay the steps against a recorder.
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, MS, flagWords, parseMountOptions } from '../../../kernel/mount.ts';
import { CLONE_NEW } from '../../../kernel/namespaces.ts';
import type { Syscalls } from '../../../kernel/syscalls.ts';
import { S_IFCHR } from '../../../kernel/fs.ts';
import type { InitMessage } from '../protocol.ts';
import type { Step } from '../plan.ts';
import { secureJoin } from '../securejoin.ts';

export interface StepContext {
  sys: Syscalls;
  report(m: InitMessage): void;
  /** Copies a directory tree, keeping owners, modes, times and links (volume copy-up). */
  copyTree(from: string, to: string): Promise<unknown>;
}

type Detail = Extract<InitMessage, { t: 'step' }>['detail'];

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Makes the mount point exist: a directory, or an empty file for a file bind-mounted on top. */
function ensure(p: string, kind: 'dir' | 'file'): void {
  const st = lstat(p);
  if (kind === 'dir') {
    if (!st) fs.mkdirSync(p, { recursive: true, mode: 0o755 });
    return;
  }
  if (!st) {
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o644));
  }
}

/** mount(2) with mount(8) words. A bind ignores most flags, so they take a second call (remount). */
function mountWith(sys: Syscalls, source: string, target: string, fstype: string, options: string[], cwd?: string): Detail {
  const { flags, propagation, data } = parseMountOptions(options);
  const bind = flags & MS.BIND;
  const prev = cwd ? process.cwd() : undefined;
  if (cwd) sys.chdir(cwd);
  try {
    if (bind) {
      sys.mount(source, target, '', flags & (MS.BIND | MS.REC));
      const rest = flags & ~(MS.BIND | MS.REC);
      if (rest) sys.mount('', target, '', MS.BIND | MS.REMOUNT | rest);
    } else {
      sys.mount(source, target, fstype, flags, data);
    }
    if (propagation) sys.mount('', target, '', propagation);
  } finally {
    if (prev) sys.chdir(prev);
  }
  return { source, target, fstype: bind ? 'bind' : fstype, flags: flagWords(flags | propagation), ...(data ? { data } : {}) };
}

export async function runSteps(steps: Step[], ctx: StepContext): Promise<void> {
  const { sys } = ctx;
  let root: string | undefined; // the new root before pivot_root; undefined after
  const at = (p: string) => (root ? secureJoin(root, p) : p);
  for (const step of steps) {
    const t0 = performance.now();
    let detail: Detail;
    switch (step.do) {
      case 'rslave':
        // unshare(1) already made the copy of the host's mounts a slave; saying it again costs one
        // call and keeps this true whoever started us.
        sys.mount('', '/', '', MS.REC | MS.SLAVE);
        break;
      case 'join-netns':
        sys.setns(step.path, CLONE_NEW.net);
        break;
      case 'mount-rootfs':
        for (const m of step.mounts) {
          detail = mountWith(sys, m.source, step.target, m.type, m.type === 'bind' && !m.options.includes('bind') && !m.options.includes('rbind') ? ['rbind', ...m.options] : m.options, m.cwd);
        }
        root = step.target;
        break;
      case 'mount': {
        const target = at(step.target);
        ensure(target, step.ensure);
        detail = { ...mountWith(sys, step.source, target, step.fstype, step.options), target: step.target };
        break;
      }
      case 'mknod': {
        const p = at(step.path);
        if (lstat(p)) fs.rmSync(p, { force: true });
        sys.mknod(p, S_IFCHR | step.mode, step.major, step.minor);
        fs.chmodSync(p, step.mode); // mknod's mode passes through the umask
        break;
      }
      case 'symlink': {
        const p = at(step.path);
        if (lstat(p)) fs.rmSync(p, { force: true, recursive: true });
        fs.symlinkSync(step.target, p);
        break;
      }
      case 'copy-up': {
        const from = at(step.from);
        const st = lstat(from);
        if (st?.isDirectory() && fs.readdirSync(step.to).length === 0) await ctx.copyTree(from, step.to);
        else detail = { skipped: st ? 'the volume already has files' : 'the image has nothing there' };
        break;
      }
      case 'mkdir':
        fs.mkdirSync(at(step.path), { recursive: true, mode: 0o755 });
        break;
      case 'pivot-root': {
        // runc's way: pivot_root(".", ".") stacks the old root on top of the new one at the same
        // place, and unmounting "." (lazily) removes it — the host's tree is gone from this
        // namespace, with no temporary directory left in the container.
        if (!root) throw new Error('pivot-root before the root filesystem was mounted');
        sys.chdir(root);
        sys.pivotRoot('.', '.');
        sys.umount2('.', MNT_DETACH);
        sys.chdir('/');
        detail = { source: root, target: '/' };
        root = undefined;
        break;
      }
      case 'mask': {
        const st = lstat(step.path);
        if (!st) {
          detail = { skipped: 'not present' };
          break;
        }
        detail = st.isDirectory()
          ? mountWith(sys, 'tmpfs', step.path, 'tmpfs', ['ro'])
          : mountWith(sys, '/dev/null', step.path, '', ['bind']);
        break;
      }
      case 'readonly': {
        if (!lstat(step.path)) {
          detail = { skipped: 'not present' };
          break;
        }
        // Everything listed is under /proc, whose mount is nosuid,nodev,noexec: keep those.
        detail = mountWith(sys, step.path, step.path, '', ['rbind', 'ro', 'nosuid', 'nodev', 'noexec']);
        break;
      }
      case 'remount-root-ro':
        sys.mount('', '/', '', MS.BIND | MS.REMOUNT | MS.RDONLY);
        break;
      case 'hostname':
        sys.sethostname(step.name);
        break;
      case 'loopback-up':
        sys.loopbackUp();
        break;
      case 'net-interface':
        // The engine made this interface in our namespace (the peer of a veth on its bridge).
        sys.setIpv4Address(step.ifname, step.address, step.prefixLength);
        sys.linkUp(step.ifname);
        break;
      case 'net-route':
        sys.addDefaultRoute(step.gateway);
        break;
    }
    ctx.report({ t: 'step', step, ms: performance.now() - t0, ...(detail ? { detail } : {}) });
  }
}
