// Reading the kernel's numbers out of cgroup files. The formats (cgroup-v1/memory.rst, cgroup-v2.rst):
//   single value   "123\n"                                   memory.usage_in_bytes, pids.current
//   limit          "max\n" or "-1\n" or a number              pids.max, memory.max, cpu.cfs_quota_us
//   flat keyed     "key value\n" per line                     memory.events, cpu.stat, memory.oom_control

/**
 * v1 memory reports "no limit" as the page counter's maximum: LONG_MAX rounded down to a page
 * (9223372036854771712 with 4 KiB pages). Anything this large is no limit on any real machine.
 */
const UNLIMITED_FROM = 2 ** 62;

export function parseNumber(text: string, file: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`unexpected content in ${file}: ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

/** A limit; undefined when there is none ("max", -1, or the v1 page counter maximum). */
export function parseLimit(text: string, file: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '-1') return undefined;
  const n = parseNumber(t, file);
  return n >= UNLIMITED_FROM ? undefined : n;
}

export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out.set(key, Number(value));
  }
  return out;
}

/** cgroup.procs: one PID per line. */
export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map(Number);
}
