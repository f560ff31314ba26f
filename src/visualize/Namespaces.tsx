// The container's namespaces beside the host's: one row per type with both inode numbers (the
// same number is the same namespace), PID 1 inside against its PID on the host, the hostname,
// pivot_root and every mount grouped by why it exists.
import { Box } from 'ink';
import { shortId, shortenHex } from './model/format.ts';
import { type ContainerNamespaces, mountGroups, NAMESPACE_MEANING, type NamespaceRow, type NamespacesModel, type ProcessRow } from './model/namespaces.ts';
import { EmptyFrame, FRAME_SPACE, Frame, Nothing, Section } from './parts/Frame.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface NamespacesProps {
  /** Folded from the events (reduceNamespaces). */
  model: NamespacesModel;
  /** Which container; default the last one the events were about. */
  container?: string;
  plain?: boolean;
  width?: number;
}

const MODE = {
  new: { word: 'own', color: 'green', say: 'a new one, its own' },
  host: { word: 'host\'s', color: 'yellow', say: 'shared with the host' },
  joined: { word: 'joined', color: 'cyan', say: 'joined from another container' },
} as const;

function NsLine({ n, plain }: { n: NamespaceRow; plain: boolean }) {
  const mode = MODE[n.mode];
  if (plain) return <Txt plain>{`${n.ns} namespace: host ${n.hostInode}, container ${n.inode}: ${mode.say}. It isolates ${NAMESPACE_MEANING[n.ns]}.`}</Txt>;
  return (
    <Box>
      <Box width={8} flexShrink={0}><Txt plain={false} bold>{n.ns}</Txt></Box>
      <Box width={12} flexShrink={0}><Txt plain={false} dim>{String(n.hostInode)}</Txt></Box>
      <Box width={12} flexShrink={0}><Txt plain={false} color={mode.color}>{String(n.inode)}</Txt></Box>
      <Box width={8} flexShrink={0}><Txt plain={false} color={mode.color}>{mode.word}</Txt></Box>
      <Box flexShrink={1}><Txt plain={false} dim wrap="truncate-end">{NAMESPACE_MEANING[n.ns]}</Txt></Box>
    </Box>
  );
}

function ProcessLine({ p, plain }: { p: ProcessRow; plain: boolean }) {
  const who = p.execId ? `exec ${shortId(p.execId)}` : 'main process';
  const exit = p.exitCode !== undefined ? `, exited ${p.exitCode}` : '';
  if (plain) return <Txt plain>{`${who}: PID ${p.pid} inside the container is PID ${p.hostPid} on the host${exit}. Command: ${p.argv.join(' ')}.`}</Txt>;
  return (
    <Box>
      <Box width={18} flexShrink={0}><Txt plain={false} dim>{who}</Txt></Box>
      <Box flexShrink={0}>
        <Txt plain={false}>
          <Txt plain={false} bold color="green">{`PID ${p.pid}`}</Txt>
          {' inside = '}
          <Txt plain={false} bold color="yellow">{`PID ${p.hostPid}`}</Txt>
          {' on the host  '}
        </Txt>
      </Box>
      <Box flexShrink={1}><Txt plain={false} dim>{`${p.argv.join(' ')}${exit}`}</Txt></Box>
    </Box>
  );
}

function Mounts({ c, plain }: { c: ContainerNamespaces; plain: boolean }) {
  const groups = mountGroups(c);
  const where = (m: { target: string; source: string; purpose: string; fstype: string }) =>
    m.purpose === 'volume' || m.purpose === 'bind' ? `${m.target} ← ${shortenHex(m.source, plain ? '' : '…')}` : m.purpose === 'rootfs' ? `${m.target} (${m.fstype})` : m.target;
  return (
    <Box flexDirection="column">
      <Section plain={plain} title={`Mounts: ${c.mounts.length}, grouped by why they exist`} />
      {groups.map((g) => (plain ? (
        <Txt key={g.purpose} plain>{`${g.title} (${g.why}): ${g.mounts.map(where).join(', ')}.`}</Txt>
      ) : (
        <Box key={g.purpose}>
          <Box width={11} flexShrink={0}><Txt plain={false} color="cyan">{g.title}</Txt></Box>
          <Box flexShrink={1}><Txt plain={false}>{g.mounts.map(where).join('  ')}</Txt></Box>
        </Box>
      )))}
      {c.devices.length ? (plain ? (
        <Txt plain>{`device nodes made with mknod: ${c.devices.map((d) => d.path).join(', ')}.`}</Txt>
      ) : (
        <Box>
          <Box width={11} flexShrink={0}><Txt plain={false} color="cyan">mknod</Txt></Box>
          <Box flexShrink={1}><Txt plain={false}>{c.devices.map((d) => `${d.path} ${d.major}:${d.minor}`).join('  ')}</Txt></Box>
        </Box>
      )) : null}
    </Box>
  );
}

export function Namespaces({ model, container, plain: plainProp, width = 80 }: NamespacesProps) {
  const plain = isPlain(plainProp);
  const id = container ?? model.last;
  const c = id ? model.containers[id] : undefined;
  const inner = width - (plain ? 0 : FRAME_SPACE);
  if (!c) return <EmptyFrame title="namespaces" text="no container yet" plain={plain} width={width} />;
  const title = `namespaces of ${c.name ? `${c.name} ` : ''}${shortId(c.id)}`;
  const right = c.hostname ? `hostname ${c.hostname}` : undefined;
  const processes = [...(c.main ? [c.main] : []), ...c.execs];
  return (
    <Frame title={title} {...(right ? { right } : {})} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {plain && c.hostname ? <Txt plain>{`Its hostname is ${c.hostname}, set in its own UTS namespace.`}</Txt> : null}
        {!plain && c.namespaces.length ? (
          <Box>
            <Box width={8} flexShrink={0}><Txt plain={false} dim>type</Txt></Box>
            <Box width={12} flexShrink={0}><Txt plain={false} dim>host</Txt></Box>
            <Box width={12} flexShrink={0}><Txt plain={false} dim>container</Txt></Box>
          </Box>
        ) : null}
        {c.namespaces.length === 0 ? <Nothing text="no namespace reported yet" plain={plain} /> : null}
        {c.namespaces.map((n) => <NsLine key={n.ns} n={n} plain={plain} />)}
        {processes.length ? <Section plain={plain} title="Processes: the same process, two PIDs" /> : null}
        {processes.map((p) => <ProcessLine key={p.execId ?? 'main'} p={p} plain={plain} />)}
        {c.pivotRoot ? (
          <Box marginTop={1}>
            <Txt plain={plain}>{plain
              ? `pivot_root made ${shortenHex(c.pivotRoot.newRoot, '')} the root; the host's root was detached.`
              : `pivot_root → ${shortenHex(c.pivotRoot.newRoot)}; the host's / detached`}</Txt>
          </Box>
        ) : null}
        {c.mounts.length ? <Mounts c={c} plain={plain} /> : null}
        {c.capabilities ? (
          <Box marginTop={1}>
            <Txt plain={plain} dim>{`runs as ${c.capabilities.user}, ${c.capabilities.kept.length} capabilities kept${c.capabilities.noNewPrivs ? ', no new privileges' : ''}${plain ? '.' : ''}`}</Txt>
          </Box>
        ) : null}
      </Box>
    </Frame>
  );
}
