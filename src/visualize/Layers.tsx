// The layer stack: the image's read-only layers (short digest, size, the instruction that made
// each, how many other images share it), the container's writable layer on top with the real
// upperdir/workdir/lowerdirs the runtime mounted, how overlay merges them, and what the container
// changed (`diff`).
import { Box } from 'ink';
import { count, duration, shortId, shortenHex, size } from './model/format.ts';
import { type ChangeList, type ImageInfo, type LayersModel, layerStack, type RwLayer, type StackRow } from './model/layers.ts';
import { FRAME_SPACE, Frame, Nothing, Section } from './parts/Frame.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface LayersProps {
  /** Folded from the events (reduceLayers): the containers' writable layers. */
  model?: LayersModel;
  /** Whose writable layer to show; default the last container the events were about. */
  container?: string;
  /** The image's layers, from the image store (bottom first). */
  image?: ImageInfo;
  /** The other images in the store, to say which layers they share. */
  others?: readonly ImageInfo[];
  /** `diff` of the container: A added, C changed, D deleted. */
  changes?: ChangeList;
  plain?: boolean;
  width?: number;
}

function hexOfDir(dir: string): string {
  return /([0-9a-f]{64})/.exec(dir)?.[1] ?? dir;
}

function sharedWords(n: number): string {
  return n === 0 ? '' : `shared with ${count(n, 'other image')}`;
}

function StackLine({ row, plain, showDirs }: { row: StackRow; plain: boolean; showDirs: boolean }) {
  const { layer } = row;
  const made = layer.createdBy ? layer.createdBy.replace(/\s+/g, ' ') : '';
  const shared = sharedWords(row.sharedWith);
  if (plain) {
    const parts = [`Layer ${row.n}: ${shortId(layer.digest)}, ${size(layer.size)}`, made ? `made by: ${made}` : '', shared, showDirs && row.lowerdir ? `lowerdir ${shortenHex(row.lowerdir, '')}` : ''];
    return <Txt plain>{`${parts.filter(Boolean).join('; ')}.`}</Txt>;
  }
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={5} flexShrink={0}><Txt plain={false} dim>{`L${row.n}`}</Txt></Box>
        <Box width={14} flexShrink={0}><Txt plain={false}>{shortId(layer.digest)}</Txt></Box>
        <Box width={10} flexShrink={0}><Txt plain={false} color="cyan">{size(layer.size)}</Txt></Box>
        <Box flexGrow={1} flexShrink={1}><Txt plain={false} dim wrap="truncate-end">{made}</Txt></Box>
        {shared ? <Box flexShrink={0} marginLeft={1}><Txt plain={false} color="magenta">{shared}</Txt></Box> : null}
      </Box>
      {showDirs && row.lowerdir ? (
        <Box marginLeft={5}><Txt plain={false} dim wrap="truncate-middle">{`lowerdir ${shortenHex(row.lowerdir)}`}</Txt></Box>
      ) : null}
    </Box>
  );
}

function WritableLayer({ rw, plain }: { rw: RwLayer; plain: boolean }) {
  const dirs: [string, string | undefined][] = rw.driver === 'overlay'
    ? [['upperdir', rw.upperdir], ['workdir', rw.workdir]]
    : [['copy', rw.dir]];
  if (plain) {
    return (
      <Box flexDirection="column">
        <Txt plain>{`Writable layer of container ${shortId(rw.container)}, driver ${rw.driver}, mounted in ${duration(rw.ms)}.`}</Txt>
        {dirs.map(([k, v]) => (v ? <Txt key={k} plain>{`${k}: ${shortenHex(v, '')}.`}</Txt> : null))}
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={5} flexShrink={0}><Txt plain={false} bold color="green">RW</Txt></Box>
        <Txt plain={false} bold>{`container ${shortId(rw.container)}`}</Txt>
        <Txt plain={false} dim>{`  ${rw.driver}, mounted in ${duration(rw.ms)}`}</Txt>
      </Box>
      {dirs.map(([k, v]) => (v ? (
        <Box key={k} marginLeft={5}>
          <Box width={9} flexShrink={0}><Txt plain={false} color="green">{k}</Txt></Box>
          <Box flexShrink={1}><Txt plain={false} dim wrap="truncate-middle">{shortenHex(v)}</Txt></Box>
        </Box>
      ) : null))}
      <Box marginLeft={5}><Txt plain={false} dim>{'─ read-only below ─'}</Txt></Box>
    </Box>
  );
}

function Overlay({ rw, plain }: { rw: RwLayer; plain: boolean }) {
  const lines: [string, string][] = rw.driver === 'overlay'
    ? [
      ['lower', `the image's layers, read-only, listed top first: ${count(rw.lowerdirs.length, 'lowerdir')}`],
      ['upper', 'the container\'s own layer: a file it changes is first copied up here; a file it deletes is hidden by a whiteout'],
      ['work', 'overlay\'s scratch space for those copies, on the same file system'],
      ['merged', 'lower and upper seen as one tree: mounted at / inside the container'],
    ]
    : [['vfs', 'no union file system: every layer was copied into one directory, the container writes there']];
  return (
    <Box flexDirection="column">
      <Section plain={plain} title={rw.driver === 'overlay' ? 'How overlay makes one tree' : 'How vfs does it'} />
      {lines.map(([k, v]) => (plain ? <Txt key={k} plain>{`${k}: ${v}.`}</Txt> : (
        <Box key={k}>
          <Box width={8} flexShrink={0}><Txt plain={false} color="cyan">{k}</Txt></Box>
          <Box flexShrink={1}><Txt plain={false}>{v}</Txt></Box>
        </Box>
      )))}
    </Box>
  );
}

const KINDS = [
  { kind: 'A', word: 'added', color: 'green' },
  { kind: 'C', word: 'changed', color: 'yellow' },
  { kind: 'D', word: 'deleted', color: 'red' },
] as const;

function Changes({ changes, rw, plain }: { changes: ChangeList; rw?: RwLayer; plain: boolean }) {
  const mountPoints = new Set((rw?.volumes ?? []).map((v) => v.target));
  const label = (p: string) => (mountPoints.has(p) ? `${p} (a volume's mount point: its files live outside)` : p);
  const total = changes.A.length + changes.C.length + changes.D.length;
  return (
    <Box flexDirection="column">
      <Section plain={plain} title={`Files the container changed (diff): ${KINDS.map((k) => `${changes[k.kind].length} ${k.word}`).join(', ')}`} />
      {total === 0 ? <Nothing text="nothing changed" plain={plain} /> : null}
      {KINDS.map((k) => (changes[k.kind].length === 0 ? null : plain ? (
        <Txt key={k.kind} plain>{`${k.word[0]!.toUpperCase()}${k.word.slice(1)}: ${changes[k.kind].map(label).join(', ')}.`}</Txt>
      ) : (
        <Box key={k.kind}>
          <Box width={2} flexShrink={0}><Txt plain={false} bold color={k.color}>{k.kind}</Txt></Box>
          <Box flexShrink={1}><Txt plain={false}>{changes[k.kind].map(label).join('  ')}</Txt></Box>
        </Box>
      )))}
    </Box>
  );
}

export function Layers({ model, container, image, others = [], changes, plain: plainProp, width = 80 }: LayersProps) {
  const plain = isPlain(plainProp);
  const id = container ?? model?.last;
  const rw = id ? model?.containers[id] : undefined;
  const rows: StackRow[] = image
    ? layerStack(image, others, rw)
    : (rw?.lowerdirs ?? []).map((d, i, all) => ({ n: all.length - i, layer: { digest: hexOfDir(d), size: 0 }, sharedWith: 0, lowerdir: d }));
  const title = image ? `layers of ${image.name}` : rw ? `layers of container ${shortId(rw.container)}` : 'layers';
  const right = image ? `image ${shortId(image.id)}, ${size(image.layers.reduce((n, l) => n + l.size, 0))}` : undefined;
  const inner = width - (plain ? 0 : FRAME_SPACE);
  return (
    <Frame title={title} {...(right ? { right } : {})} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {rw ? <WritableLayer rw={rw} plain={plain} /> : null}
        {rows.length === 0 ? <Nothing text="no layer known yet" plain={plain} /> : null}
        {!image && rows.length ? <Txt plain={plain} dim>{plain ? 'Sizes are not known without the image.' : 'layers as mounted (sizes need the image)'}</Txt> : null}
        {rows.map((r) => <StackLine key={`${r.n}`} row={r} plain={plain} showDirs={rw !== undefined} />)}
        {rw ? <Overlay rw={rw} plain={plain} /> : null}
        {rw && rw.volumes.length ? (
          <Box flexDirection="column">
            <Section plain={plain} title="Volumes: outside the layers" />
            {rw.volumes.map((v) => (
              <Txt key={v.target} plain={plain} wrap="truncate-middle">{plain ? `${v.target} is the ${v.purpose} ${shortenHex(v.source, '')}.` : `${v.target} ← ${shortenHex(v.source)}`}</Txt>
            ))}
          </Box>
        ) : null}
        {changes ? <Changes changes={changes} {...(rw ? { rw } : {})} plain={plain} /> : null}
      </Box>
    </Frame>
  );
}
