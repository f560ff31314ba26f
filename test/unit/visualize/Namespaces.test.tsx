// The namespaces diagram at 80 columns, from a recorded container with an exec.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { foldNamespaces } from '../../../src/visualize/model/namespaces.ts';
import { Namespaces } from '../../../src/visualize/Namespaces.tsx';
import { DRAWING, events, widest } from './fixtures.ts';

const model = foldNamespaces(events('exec'));
const c = model.containers[model.last!]!;
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';

describe('Namespaces', () => {
  it('sets each namespace beside the host\'s, with PID 1 and its host PID', () => {
    const f = frame(<Namespaces model={model} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain(`namespaces of fixture-exec ${c.id.slice(0, 12)}`);
    expect(f).toContain(`hostname ${c.hostname}`);
    for (const n of c.namespaces) expect(f).toMatch(new RegExp(`${n.ns} +${n.hostInode} +${n.inode} +${n.mode === 'new' ? 'own' : 'host\'s'}`));
    expect(f).toContain(`PID 1 inside = PID ${c.main!.hostPid} on the host  sleep 30`);
    expect(f).toContain(`PID ${c.execs[0]!.pid} inside = PID ${c.execs[0]!.hostPid} on the host`);
    expect(f).toContain('pivot_root → <data-root>/containers/');
    expect(f).toContain(`Mounts: ${c.mounts.length}, grouped by why they exist`);
    expect(f).toMatch(/root +\/ \(overlay\)/);
    expect(f).toMatch(/masked +\/proc\/acpi {2}\/proc\/keys {2}\/proc\/timer_list {2}\/sys\/firmware/);
    expect(f).toMatch(/mknod +\/dev\/null 1:3/);
  });

  it('reads as plain sentences', () => {
    const f = frame(<Namespaces model={model} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    const text = f.replace(/\s+/g, ' ');
    const pid = c.namespaces.find((n) => n.ns === 'pid')!;
    expect(text).toContain(`pid namespace: host ${pid.hostInode}, container ${pid.inode}: a new one, its own.`);
    const cg = c.namespaces.find((n) => n.ns === 'cgroup')!;
    expect(text).toContain(`cgroup namespace: host ${cg.hostInode}, container ${cg.hostInode}: shared with the host.`);
    expect(text).toContain(`main process: PID 1 inside the container is PID ${c.main!.hostPid} on the host.`);
    expect(text).toContain(`Its hostname is ${c.hostname}`);
  });

  it('waits for a container without inventing one', () => {
    expect(frame(<Namespaces model={foldNamespaces([])} width={80} plain={false} />)).toContain('no container yet');
  });
});
