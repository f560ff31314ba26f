// The cgroup gauges at 80 columns, from recorded usage samples and cgroup writes; the OOM kill.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Cgroups } from '../../../src/visualize/Cgroups.tsx';
import { foldCgroups, gauges } from '../../../src/visualize/model/cgroups.ts';
import { binarySize, duration, percent } from '../../../src/visualize/model/format.ts';
import { DRAWING, events, samples, widest } from './fixtures.ts';

const burn = foldCgroups(events('run-burn'));
const oomEvents = events('run-oom');
const oom = foldCgroups(oomEvents);
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';

describe('Cgroups', () => {
  it('draws memory, CPU and pids against their limits, and the files written', () => {
    const s = samples('usage-burn');
    const last = s.at(-1)!;
    const f = frame(<Cgroups model={burn} samples={s} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain(`cgroups of ${burn.last!.slice(0, 12)} (v1)`);
    expect(f).toMatch(new RegExp(`memory +█+░+ +${binarySize(last.memory.usage)} of 64 MiB, peak ${binarySize(last.memory.peak!)}`));
    expect(f).toMatch(new RegExp(`cpu +█+░* +${+gauges(s)!.cpu.cores!.toFixed(2)} CPU in use of 0\\.5 CPU`));
    expect(f).toMatch(new RegExp(`pids +█+░+ +${last.pids.current} process(es)? of 32`));
    expect(f).toMatch(new RegExp(`memory +[▁▂▃▄▅▆▇█]{${s.length}} +${s.length} samples`));
    expect(f).toMatch(/memory\.limit_in_bytes +67108864 +memory limit: 64 MiB/);
    expect(f).toMatch(/cpu\.cfs_quota_us +50000 +CPU time: 50 ms per period/);
    expect(f).toMatch(/pids\.max +32 +at most 32 processes/);
    expect(f).toMatch(/cgroup\.procs +\d+ +process \d+ joins \(memory, cpu,/);
    expect(f).toContain('The container was killed by SIGKILL (exit 137)');
  });

  it('shows the OOM kill as it happened', () => {
    const s = samples('usage-oom');
    const f = frame(<Cgroups model={oom} samples={s} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/OOM killed\s*│/);
    expect(f).toMatch(new RegExp(`memory +[█░]+ +${binarySize(s.at(-1)!.memory.usage)} of 32 MiB`));
    expect(f).toContain('✗ OOM killed: the kernel\'s OOM killer ended the process at its 32 MiB memory');
    // Before the exit event and before the kernel counted a kill: near the limit, no kill claimed.
    const before = foldCgroups(oomEvents.filter((e) => e.type !== 'container.exit'));
    const alive = s.filter((x) => x.oomKills === 0);
    const g = frame(<Cgroups model={before} samples={alive} width={80} plain={false} />);
    expect(g).not.toContain('OOM');
    expect(g).toContain(`sampled over ${duration(alive.at(-1)!.at - alive[0]!.at)}`);
    // A sample read just after the kill (when the recording caught one) shows it before the exit.
    const caught = s.findIndex((x) => x.oomKills > 0);
    if (caught >= 0) {
      const k = frame(<Cgroups model={before} samples={s.slice(0, caught + 1)} width={80} plain={false} />);
      expect(k).toMatch(/oom +1 kill: the kernel's OOM killer ended a process at the limit/);
      expect(k).toMatch(/OOM killed\s*│/);
      const kp = frame(<Cgroups model={before} samples={s.slice(0, caught + 1)} width={80} plain />);
      expect(kp.replace(/\s+/g, ' ')).toContain('The kernel\'s OOM killer has ended a process here at the memory limit.');
    }
  });

  it('reads as plain sentences', () => {
    const last = samples('usage-oom').at(-1)!;
    const f = frame(<Cgroups model={oom} samples={samples('usage-oom')} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    const text = f.replace(/\s+/g, ' ');
    expect(text).toContain(`memory: ${binarySize(last.memory.usage)} of 32 MiB, peak ${binarySize(last.memory.peak!)}, ${percent(last.memory.usage / 2 ** 25)} of the limit.`);
    expect(text).toContain('memory.limit_in_bytes gets 33554432: memory limit: 32 MiB.');
    expect(text).toContain('OOM killed: the kernel\'s OOM killer ended the process at its 32 MiB memory limit (exit 137, SIGKILL).');
  });

  it('shows the limits before any sample', () => {
    const f = frame(<Cgroups model={burn} width={80} plain={false} />);
    expect(f).toContain('no usage sample yet');
    expect(f).toMatch(/pids\.max +32/);
  });
});
