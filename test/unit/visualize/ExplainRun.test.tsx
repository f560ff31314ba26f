// "docker run, step by step" at 80 columns, from a recorded run that pulled its image first.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ExplainRun } from '../../../src/visualize/ExplainRun.tsx';
import { foldRun } from '../../../src/visualize/model/run.ts';
import { duration } from '../../../src/visualize/model/format.ts';
import { DRAWING, events, json, widest } from './fixtures.ts';

const run = events('run-volume');
const { output } = json<{ output: string }>('output-volume.json');
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';
const ms = (step: string) => {
  const e = run.find((x) => x.type === 'runtime.step' && x.step === step);
  const v = e?.type === 'runtime.step' ? e.ms : NaN;
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
};

describe('ExplainRun', () => {
  it('lists the seven steps with the timings the engine measured', () => {
    const f = frame(<ExplainRun model={foldRun(run)} output={output} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/docker run, step by step: fixture-volume [0-9a-f]{12}/);
    expect(f).toMatch(/✓ 1 Pull the image if it is missing +\d+ ms/);
    expect(f).toContain('2 layers downloaded, 1 already');
    expect(f).toMatch(new RegExp(`✓ 2 Create the container +${ms('create')}`));
    expect(f).toMatch(new RegExp(`✓ 3 Allocate a filesystem, mount a read-write layer +${ms('rootfs')}`));
    expect(f).toContain('overlay: 3 layer(s) + a writable layer');
    // Recorded before Skiff had networking: said as such, never drawn as done.
    expect(f).toMatch(/✗ 4 Create a network interface on a bridge +not yet in Skiff/);
    expect(f).toMatch(/✗ 5 Assign an IP address from a pool +not yet in Skiff/);
    expect(f).toMatch(new RegExp(`✓ 6 Start the process +${ms('start')}`));
    expect(f).toMatch(/PID 1 inside = PID \d+ on the host: sh -c echo hello/);
    expect(f).toMatch(/✓ 7 Capture its output \(stdin, stdout, stderr\) +<1 ms/);
    expect(f).toContain('│ hello from skiff');
    expect(f).toContain('Then the container exited with code 0');
  });

  it('is honest mid-run: pending until an event says otherwise', () => {
    const i = run.findIndex((e) => e.type === 'container.create');
    const f = frame(<ExplainRun model={foldRun(run.slice(0, i + 1))} width={80} plain={false} />);
    expect(f).toMatch(/○ 3 Allocate a filesystem, mount a read-write layer +pending/);
    expect(f).toMatch(/○ 6 Start the process +pending/);
    expect(f).toMatch(/○ 7 Capture its output.* +pending/);
    const p = frame(<ExplainRun model={foldRun(run.slice(0, 1))} width={80} plain />);
    expect(p).toContain('Step 1 of 7, in progress: Pull the image if it is missing.');
  });

  it('reads as plain sentences, and says when no pull was needed and an OOM kill', () => {
    const f = frame(<ExplainRun model={foldRun(events('run-oom'))} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    const text = f.replace(/\s+/g, ' ');
    expect(text).toContain('Step 1 of 7, not needed: Pull the image if it is missing. Not needed: the image was already in the store.');
    expect(text).toContain('Step 4 of 7, not yet in Skiff: Create a network interface on a bridge. Not reported by the engine that ran it;');
    expect(text).toContain('Then the container was ended by the OOM killer (exit 137).');
  });

  it('shows steps 4 and 5 done for a container on the bridge, with the veth pair and the address', () => {
    const bridge = events('run-bridge');
    const step = (k: string) => {
      const e = bridge.find((x) => x.type === 'runtime.step' && x.step === k);
      return duration(e?.type === 'runtime.step' ? e.ms : NaN);
    };
    const f = frame(<ExplainRun model={foldRun(bridge)} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(new RegExp(`✓ 4 Create a network interface on a bridge +${step('network')}`));
    expect(f).toMatch(/veth pair veth[0-9a-f]{7} on bridge skiff0 ⇄ eth0 inside/);
    expect(f).toMatch(new RegExp(`✓ 5 Assign an IP address from a pool +${step('ip')}`));
    expect(f).toContain("172.18.0.3/16 from bridge's pool 172.18.0.0/16");
  });
});
