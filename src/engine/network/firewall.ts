// The engine's firewall rules: outbound NAT for each bridge's subnet (MASQUERADE: packets from a
// container leave with the host's address), forwarding to and from the bridges, and DNAT for
// published ports (a packet for hostPort on one of this host's addresses goes to the container).
// Docker's iptables rules in our own words (moby libnetwork/drivers/bridge/setup_ip_tables*.go).
//
// Everything lives in Skiff's own chains (SKIFF-DNAT, SKIFF-POSTROUTING, SKIFF-FORWARD; or one nft
// table `ip skiff`), so adding is idempotent — each change redeclares the chains whole, which
// flushes them, in one atomic `iptables-restore --noflush` — and removing is exact: the jumps into
// our chains, then the chains. The rule texts are built here, pure and unit-tested; `Firewall`
// only feeds them to the tool the host has (iptables, which may be iptables-nft, or else nft).
import { spawn, spawnSync } from 'node:child_process';

export interface BridgeRules {
  bridge: string;
  subnet: string;
}

export interface DnatRule {
  proto: 'tcp' | 'udp';
  /** "" or 0.0.0.0: every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  bridge: string;
}

export interface FirewallState {
  bridges: BridgeRules[];
  dnat: DnatRule[];
}

export type FirewallTool = 'iptables' | 'nft';

const CHAINS = { nat: ['SKIFF-DNAT', 'SKIFF-POSTROUTING'], filter: ['SKIFF-FORWARD'] } as const;

/** The jumps from the kernel's built-in chains into ours (iptables-save's canonical spelling). */
export const IPTABLES_JUMPS = {
  nat: [
    // Packets for a local address, from outside or from this host (but not loopback: that is the
    // userland proxy's job, as in Docker) may be for a published port.
    '-A PREROUTING -m addrtype --dst-type LOCAL -j SKIFF-DNAT',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j SKIFF-DNAT',
    '-A POSTROUTING -j SKIFF-POSTROUTING',
  ],
  filter: ['-A FORWARD -j SKIFF-FORWARD'],
};

const v4any = (ip: string) => ip === '' || ip === '0.0.0.0';

/** One published port as an iptables rule in SKIFF-DNAT. */
export function iptablesDnat(r: DnatRule): string {
  return `-A SKIFF-DNAT${v4any(r.hostIp) ? '' : ` -d ${r.hostIp}/32`} ! -i ${r.bridge} -p ${r.proto} -m ${r.proto} --dport ${r.hostPort} -j DNAT --to-destination ${r.containerIp}:${r.containerPort}`;
}

/** The whole of Skiff's rules as iptables-restore input; with `jumps`, the jumps into them too. */
export function renderIptables(s: FirewallState, jumps: boolean): string {
  const nat = [
    '*nat',
    ...CHAINS.nat.map((c) => `:${c} - [0:0]`),
    ...(jumps ? IPTABLES_JUMPS.nat : []),
    ...s.dnat.map(iptablesDnat),
    ...s.bridges.map((b) => `-A SKIFF-POSTROUTING -s ${b.subnet} ! -o ${b.bridge} -j MASQUERADE`),
    'COMMIT',
  ];
  const filter = [
    '*filter',
    ...CHAINS.filter.map((c) => `:${c} - [0:0]`),
    ...(jumps ? IPTABLES_JUMPS.filter : []),
    ...s.bridges.flatMap((b) => [`-A SKIFF-FORWARD -i ${b.bridge} -j ACCEPT`, `-A SKIFF-FORWARD -o ${b.bridge} -j ACCEPT`]),
    'COMMIT',
  ];
  return [...nat, ...filter].join('\n') + '\n';
}

/** Whether iptables-save's text already has our jumps (then they are not added twice). */
export function hasIptablesJumps(save: string): boolean {
  const lines = new Set(save.split('\n').map((l) => l.trim()));
  return [...IPTABLES_JUMPS.nat, ...IPTABLES_JUMPS.filter].every((j) => lines.has(j));
}

/** iptables-restore input that removes every trace of Skiff found in iptables-save's text
 *  (jumps first, then our chains), or undefined when there is none. */
export function iptablesTeardown(save: string): string | undefined {
  const out: string[] = [];
  let table = '';
  const perTable = new Map<string, { jumps: string[]; chains: string[] }>();
  for (const raw of save.split('\n')) {
    const l = raw.trim();
    if (l.startsWith('*')) table = l.slice(1);
    const t = perTable.get(table) ?? { jumps: [], chains: [] };
    perTable.set(table, t);
    const chain = /^:(SKIFF-[A-Z0-9-]+) /.exec(l);
    if (chain) t.chains.push(chain[1]!);
    else if (/^-A (?!SKIFF-)\S+ .*-j SKIFF-/.test(l)) t.jumps.push(`-D${l.slice(2)}`);
  }
  for (const [t, { jumps, chains }] of perTable) {
    if (!t || (jumps.length === 0 && chains.length === 0)) continue;
    out.push(`*${t}`, ...jumps, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : undefined;
}

/** The same rules as one nft table, replaced atomically (declare, delete, define). */
export function renderNft(s: FirewallState): string {
  const dnat = s.dnat.map((r) => `    ${v4any(r.hostIp) ? '' : `ip daddr ${r.hostIp} `}iifname != "${r.bridge}" ${r.proto} dport ${r.hostPort} dnat to ${r.containerIp}:${r.containerPort}`);
  return [
    'table ip skiff {}',
    'delete table ip skiff',
    'table ip skiff {',
    '  chain dnat {',
    ...dnat,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump dnat',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    ip daddr != 127.0.0.0/8 fib daddr type local jump dnat',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...s.bridges.map((b) => `    ip saddr ${b.subnet} oifname != "${b.bridge}" masquerade`),
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...s.bridges.flatMap((b) => [`    iifname "${b.bridge}" accept`, `    oifname "${b.bridge}" accept`]),
    '  }',
    '}',
  ].join('\n') + '\n';
}

export const NFT_TEARDOWN = 'table ip skiff {}\ndelete table ip skiff\n';

/** The rules as lines a person reads (the NAT events carry them). */
export function describeRules(s: FirewallState, tool: FirewallTool): string[] {
  if (tool === 'nft') return renderNft(s).split('\n').filter((l) => /masquerade|dnat to|accept$/.test(l)).map((l) => l.trim());
  return renderIptables(s, false).split('\n').filter((l) => l.startsWith('-A '));
}

function onPath(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** iptables when the host has it (its nf_tables flavour included), else nft, else none. */
export function detectFirewallTool(): FirewallTool | undefined {
  if (onPath('iptables-restore') && onPath('iptables-save')) return 'iptables';
  if (onPath('nft')) return 'nft';
  return undefined;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.trim().split('\n').slice(-2).join(' / ')}`))));
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // a tool that exits early says why on stderr
      child.stdin!.end(input);
    }
  });
}

/** Feeds rules to the host's tool. Calls are queued: one change at a time, in order. */
export class Firewall {
  private chain: Promise<unknown> = Promise.resolve();
  private jumpsInstalled = false;

  constructor(readonly tool: FirewallTool) {}

  private queue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Installs (or replaces) all of Skiff's rules with `s`. */
  apply(s: FirewallState): Promise<void> {
    return this.queue(async () => {
      if (this.tool === 'nft') return void (await run('nft', ['-f', '-'], renderNft(s)));
      if (!this.jumpsInstalled) this.jumpsInstalled = hasIptablesJumps(await run('iptables-save', []));
      await run('iptables-restore', ['--noflush'], renderIptables(s, !this.jumpsInstalled));
      this.jumpsInstalled = true;
    });
  }

  /** Removes every Skiff rule there is (ours, or a crashed engine's); true if there was any. */
  removeAll(): Promise<boolean> {
    return this.queue(async () => {
      this.jumpsInstalled = false;
      if (this.tool === 'nft') {
        const had = await run('nft', ['list', 'table', 'ip', 'skiff']).then(() => true, () => false);
        if (had) await run('nft', ['-f', '-'], NFT_TEARDOWN);
        return had;
      }
      const script = iptablesTeardown(await run('iptables-save', []));
      if (script) await run('iptables-restore', ['--noflush'], script);
      return script !== undefined;
    });
  }
}
