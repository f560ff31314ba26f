// The network as it really is: each bridge with its subnet and its own address (the containers'
// gateway), the containers on it with their addresses and veth pairs (host end on the bridge,
// eth0 inside), links (a name another container is reached by), published ports (host port →
// container port, through the userland proxy and a DNAT rule) and the NAT rules in place.
import { Box } from 'ink';
import { containerLabel, type NetContainer, type NetLink, type NetPort, type NetworkModel, networkRows, type NetAttachment } from './model/network.ts';
import { EmptyFrame, FRAME_SPACE, Frame, Section } from './parts/Frame.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface NetworkProps {
  /** Folded from the events (reduceNetwork), or built from the API (networkFromApi). */
  model: NetworkModel;
  plain?: boolean;
  width?: number;
}

type Row = NetContainer & { attachment: NetAttachment; ports: NetPort[]; links: NetLink[] };

const portText = (p: NetPort) => `${p.hostIp === '0.0.0.0' ? '' : p.hostIp}:${p.hostPort}→${p.containerPort}/${p.proto}`;

function ContainerLine({ m, c, last, plain }: { m: NetworkModel; c: Row; last: boolean; plain: boolean }) {
  const name = c.name ?? c.id.slice(0, 12);
  const a = c.attachment;
  const veth = a.hostIf ? `${a.hostIf} ⇄ ${a.containerIf ?? 'eth0'}` : '';
  const links = c.links.map((l) => `${l.alias} → ${containerLabel(m, l.to)}`);
  if (plain) {
    const parts = [`${name} has ${a.address}/${a.prefixLength}${c.running ? '' : ' (not running)'}`];
    if (a.hostIf) parts.push(`through the veth pair ${a.hostIf} on the bridge and ${a.containerIf ?? 'eth0'} inside`);
    if (c.links.length) parts.push(`it reaches ${c.links.map((l) => `${containerLabel(m, l.to)} under the name ${l.alias}`).join(' and ')}`);
    if (c.ports.length) parts.push(`published: ${c.ports.map((p) => `host port ${p.hostPort} to its port ${p.containerPort}/${p.proto}`).join(', ')}`);
    return <Txt plain>{`${parts.join('; ')}.`}</Txt>;
  }
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={3} flexShrink={0}><Txt plain={false} dim>{last ? '└─' : '├─'}</Txt></Box>
        <Box width={14} flexShrink={0}><Txt plain={false} bold color={c.running ? 'green' : undefined} dim={!c.running} wrap="truncate-end">{name}</Txt></Box>
        <Box width={17} flexShrink={0}><Txt plain={false} color="cyan">{a.address}</Txt></Box>
        <Box flexShrink={1}><Txt plain={false} dim wrap="truncate-end">{veth}</Txt></Box>
      </Box>
      {c.ports.length || links.length ? (
        <Box>
          <Box width={3} flexShrink={0}><Txt plain={false} dim>{last ? '' : '│'}</Txt></Box>
          <Box width={14} flexShrink={0} />
          <Box flexShrink={1}>
            <Txt plain={false} wrap="truncate-end">
              {c.ports.length ? <Txt plain={false} color="yellow">{`ports ${c.ports.map(portText).join(' ')}`}</Txt> : null}
              {c.ports.length && links.length ? '  ' : ''}
              {links.length ? <Txt plain={false} color="magenta">{`links ${links.join(', ')}`}</Txt> : null}
            </Txt>
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}

export function Network({ model, plain: plainProp, width = 80 }: NetworkProps) {
  const plain = isPlain(plainProp);
  const rows = networkRows(model);
  const inner = width - (plain ? 0 : FRAME_SPACE);
  if (rows.length === 0) return <EmptyFrame title="networks" text="no bridge network yet" plain={plain} width={width} />;
  const containers = rows.reduce((n, r) => n + r.containers.length, 0);
  return (
    <Frame title="networks" right={`${rows.length} bridge${rows.length === 1 ? '' : 's'}, ${containers} attachment${containers === 1 ? '' : 's'}`} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {rows.map((r) => (
          <Box key={r.network.name} flexDirection="column" marginTop={plain ? 0 : 0}>
            {plain ? (
              <Txt plain>{`Network ${r.network.name}: bridge ${r.network.bridge ?? '(not made yet)'}${r.network.up ? '' : ' (not up)'}, subnet ${r.network.subnet ?? '?'}, the bridge's own address ${r.network.gateway ?? '?'} is the containers' gateway.${r.containers.length ? '' : ' No container is attached.'}`}</Txt>
            ) : (
              <Box>
                <Box width={17} flexShrink={0}><Txt plain={false} bold wrap="truncate-end">{r.network.name}</Txt></Box>
                <Box width={18} flexShrink={0}><Txt plain={false} color={r.network.up ? 'green' : 'gray'} wrap="truncate-end">{r.network.bridge ?? '(no bridge yet)'}</Txt></Box>
                <Box flexShrink={1}><Txt plain={false} dim wrap="truncate-end">{`${r.network.subnet ?? ''}  gateway ${r.network.gateway ?? '?'}`}</Txt></Box>
              </Box>
            )}
            {r.containers.map((c, i) => <ContainerLine key={c.id} m={model} c={c} last={i === r.containers.length - 1} plain={plain} />)}
          </Box>
        ))}
        {model.nat.rules.length ? (
          <Box flexDirection="column">
            <Section plain={plain} title={`Firewall rules (${model.nat.tool ?? 'iptables'})`} />
            {model.nat.rules.map((r) => (plain ? <Txt key={r} plain>{`${r}.`}</Txt> : <Txt key={r} plain={false} dim wrap="truncate-end">{r}</Txt>))}
          </Box>
        ) : null}
      </Box>
    </Frame>
  );
}
