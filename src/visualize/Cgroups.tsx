// A container's cgroup: gauges of memory, CPU and pids against their limits (from usage samples
// read while it runs; CPU as a rate between the last two), how they moved over time, the files
// the engine wrote to set it up, and how it ended — an OOM kill shown as what it is.
import { Box } from 'ink';
import { binarySize, duration, percent, shortId, shortenHex } from './model/format.ts';
import { type CgroupsModel, type CgroupWrite, type ContainerCgroup, gauges, limitsOf, type UsageSample } from './model/cgroups.ts';
import { Bar } from './parts/Bar.tsx';
import { EmptyFrame, FRAME_SPACE, Frame, Nothing, Section } from './parts/Frame.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface CgroupsProps {
  /** Folded from the events (reduceCgroups): the writes and the exit. */
  model: CgroupsModel;
  /** Which container; default the last one the events were about. */
  container?: string;
  /** Usage read while it runs (`containers.usage`), oldest first. */
  samples?: readonly UsageSample[];
  plain?: boolean;
  width?: number;
}

const SPARKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], max: number, width: number): string {
  const top = max > 0 ? max : Math.max(...values, 1);
  return values.slice(-width).map((v) => SPARKS[Math.max(0, Math.min(7, Math.round((v / top) * 7)))]).join('');
}

const cpus = (n: number) => `${+n.toFixed(2)} CPU`;

/** Consecutive writes of the same file name and value (cgroup.procs in every v1 hierarchy) as one. */
function groupWrites(writes: readonly CgroupWrite[]): { w: CgroupWrite; controllers: string[] }[] {
  const out: { w: CgroupWrite; controllers: string[] }[] = [];
  for (const w of writes) {
    const last = out.at(-1);
    if (last && last.w.name === w.name && last.w.value === w.value) last.controllers.push(w.controller);
    else out.push({ w, controllers: [w.controller] });
  }
  return out;
}

/** The container's directory and its parent (the same names below every controller). */
function cgroupDir(c: ContainerCgroup): string | undefined {
  const parts = c.writes[0]?.file.split('/') ?? [];
  const at = parts.indexOf(c.id);
  return at > 0 ? `${parts[at - 1]}/${c.id}` : undefined;
}

function Gauge({ label, fraction, text, plain, barWidth, color }: { label: string; fraction: number | undefined; text: string; plain: boolean; barWidth: number; color: string }) {
  if (plain) return <Txt plain>{`${label}: ${text}${fraction !== undefined ? `, ${percent(fraction)} of the limit` : ', no limit'}.`}</Txt>;
  return (
    <Box>
      <Box width={8} flexShrink={0}><Txt plain={false} bold>{label}</Txt></Box>
      <Box flexShrink={0} marginRight={2}><Bar fraction={fraction} width={barWidth} plain={false} color={color} /></Box>
      <Box flexShrink={1}><Txt plain={false} wrap="truncate-end">{text}</Txt></Box>
    </Box>
  );
}

function gaugeColor(f: number | undefined): string {
  return f === undefined ? 'gray' : f >= 0.9 ? 'red' : f >= 0.7 ? 'yellow' : 'green';
}

function ExitLine({ c, limit, plain }: { c: ContainerCgroup; limit?: number; plain: boolean }) {
  const e = c.exit;
  if (!e) return null;
  if (e.reason === 'oom' || e.oomKilled) {
    const text = `OOM killed: the kernel's OOM killer ended the process at its ${limit ? binarySize(limit) : ''} memory limit (exit ${e.exitCode}${e.signal ? `, ${e.signal}` : ''})`.replace('its  memory', 'its memory');
    return <Box marginTop={1}><Txt plain={plain} bold color="red">{plain ? `${text}.` : `✗ ${text}`}</Txt></Box>;
  }
  const how = e.reason === 'signaled' ? `was killed by ${e.signal ?? 'a signal'} (exit ${e.exitCode})` : e.reason === 'start-failed' ? `failed to start (exit ${e.exitCode})` : `exited with code ${e.exitCode}`;
  return <Box marginTop={1}><Txt plain={plain} color={e.exitCode === 0 ? 'green' : 'yellow'}>{`The container ${how}${plain ? '.' : ''}`}</Txt></Box>;
}

export function Cgroups({ model, container, samples = [], plain: plainProp, width = 80 }: CgroupsProps) {
  const plain = isPlain(plainProp);
  const id = container ?? model.last;
  const c = (id ? model.containers[id] : undefined) ?? (id ? { id, writes: [] } : undefined);
  const inner = width - (plain ? 0 : FRAME_SPACE);
  if (!c) return <EmptyFrame title="cgroups" text="no container yet" plain={plain} width={width} />;
  const g = gauges(samples);
  const written = limitsOf(c);
  const memLimit = g?.memory.limit ?? written.memory;
  const cpuLimit = g?.cpu.limit ?? written.cpus;
  const pidsLimit = g?.pids.limit ?? written.pids;
  const barWidth = Math.max(10, Math.min(24, inner - 44));
  const dir = cgroupDir(c);
  const oom = c.exit?.reason === 'oom' || c.exit?.oomKilled === true || (g?.oomKills ?? 0) > 0;
  const right = oom ? 'OOM killed' : c.exit ? `ended, exit ${c.exit.exitCode}` : g ? `sampled over ${duration(g.span)}` : undefined;
  return (
    <Frame title={`cgroups of ${shortId(c.id)}${c.version ? ` (v${c.version})` : ''}`} {...(right ? { right, rightColor: oom ? 'red' : 'gray' } : {})} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {g ? (
          <>
            <Gauge label="memory" plain={plain} barWidth={barWidth} fraction={g.memory.fraction} color={gaugeColor(g.memory.fraction)}
              text={`${binarySize(g.memory.usage)}${memLimit ? ` of ${binarySize(memLimit)}` : ''}${g.memory.peak ? `, peak ${binarySize(g.memory.peak)}` : ''}`} />
            <Gauge label="cpu" plain={plain} barWidth={barWidth} fraction={g.cpu.fraction} color={gaugeColor(g.cpu.fraction)}
              text={g.cpu.cores === undefined ? `${duration(g.cpu.totalNs / 1e6)} used (one sample: no rate yet)` : `${cpus(g.cpu.cores)} in use${cpuLimit ? ` of ${cpus(cpuLimit)}` : ''}`} />
            <Gauge label="pids" plain={plain} barWidth={barWidth} fraction={g.pids.fraction} color={gaugeColor(g.pids.fraction)}
              text={`${g.pids.current} process${g.pids.current === 1 ? '' : 'es'}${pidsLimit ? ` of ${pidsLimit}` : ''}`} />
            {g.oomKills > 0 ? (
              // The kernel's own counter (memory.oom_control / memory.events), read in the sample:
              // the kill shows here as it happens, before the engine reports the exit.
              <Box>
                {plain ? null : <Box width={8} flexShrink={0}><Txt plain={false} bold color="red">oom</Txt></Box>}
                <Txt plain={plain} bold color="red">{plain
                  ? `The kernel's OOM killer has ended ${g.oomKills === 1 ? 'a process' : `${g.oomKills} processes`} here at the memory limit.`
                  : `${g.oomKills} kill${g.oomKills === 1 ? '' : 's'}: the kernel's OOM killer ended ${g.oomKills === 1 ? 'a process' : 'processes'} at the limit`}</Txt>
              </Box>
            ) : null}
            {samples.length > 2 ? (plain ? (
              <Txt plain>{`Over ${duration(g.span)} (${samples.length} samples) memory went from ${binarySize(samples[0]!.memory.usage)} to ${binarySize(g.memory.usage)}, at most ${binarySize(Math.max(...g.history.memory))}; CPU averaged ${cpus(g.history.cpu.reduce((a, b) => a + b, 0) / Math.max(1, g.history.cpu.length))}.`}</Txt>
            ) : (
              <Box flexDirection="column" marginTop={1}>
                <Box><Box width={8} flexShrink={0}><Txt plain={false} dim>memory</Txt></Box><Txt plain={false} color="cyan">{sparkline(g.history.memory, memLimit ?? 0, inner - 30)}</Txt><Txt plain={false} dim>{`  ${samples.length} samples, ${duration(g.span)}`}</Txt></Box>
                <Box><Box width={8} flexShrink={0}><Txt plain={false} dim>cpu</Txt></Box><Txt plain={false} color="cyan">{sparkline(g.history.cpu, cpuLimit ?? 0, inner - 30)}</Txt></Box>
              </Box>
            )) : null}
          </>
        ) : (
          <Nothing text="no usage sample yet" plain={plain} />
        )}
        {c.writes.length ? (
          <>
            <Section plain={plain} title={`Files the engine wrote${dir ? (plain ? ` in its directory ${shortenHex(dir, '')}` : ` in …/${shortenHex(dir)}`) : ''}`} />
            {groupWrites(c.writes).map(({ w, controllers }, i) => {
              const where = controllers.length > 1 ? ` (${controllers.join(', ')})` : '';
              if (plain) return <Txt key={i} plain>{`${w.name}${where} gets ${w.value}${w.meaning ? `: ${w.meaning}` : ''}.`}</Txt>;
              return (
                <Box key={i}>
                  <Box width={29} flexShrink={0}><Txt plain={false} color="cyan" wrap="truncate-end">{w.name}</Txt></Box>
                  <Box width={11} flexShrink={0}><Txt plain={false} bold>{w.value}</Txt></Box>
                  <Box flexShrink={1}><Txt plain={false} dim>{`${w.meaning}${where}`}</Txt></Box>
                </Box>
              );
            })}
          </>
        ) : null}
        <ExitLine c={c} {...(memLimit ? { limit: memLimit } : {})} plain={plain} />
      </Box>
    </Frame>
  );
}
