// The layer stack at 80 columns, from a recorded run with a volume, the store's images and `diff`.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Layers } from '../../../src/visualize/Layers.tsx';
import { shortId, size } from '../../../src/visualize/model/format.ts';
import { changeList, foldLayers } from '../../../src/visualize/model/layers.ts';
import { DRAWING, events, images, json, widest } from './fixtures.ts';

const run = events('run-volume');
const model = foldLayers(run);
const all = images();
const tools = all.find((i) => i.name.endsWith('/learn/tools:1'))!;
const changes = changeList(json<{ changes: { kind: 'A' | 'C' | 'D'; path: string }[] }>('changes-volume.json').changes);
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';
const [l1, l2, l3] = tools.layers.map((l) => ({ id: shortId(l.digest), size: size(l.size).replace('.', '\\.') }));

describe('Layers', () => {
  it('stacks the writable layer on the image\'s layers, with sizes, makers and sharing', () => {
    const f = frame(<Layers model={model} image={tools} others={all} changes={changes} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain(`layers of ${tools.name}`);
    expect(f).toContain(`image ${tools.id.slice(7, 19)}, ${size(tools.layers.reduce((n, l) => n + l.size, 0))}`);
    expect(f).toContain(`RW   container ${model.last!.slice(0, 12)}  overlay`);
    expect(f).toContain(`upperdir <data-root>/snapshots/${model.last!.slice(0, 12)}…/upper`);
    expect(f).toMatch(new RegExp(`L3 +${l3!.id} +${l3!.size} +fixture layer 3`));
    expect(f).toMatch(new RegExp(`L2 +${l2!.id} +${l2!.size} +fixture layer 2`));
    expect(f).toMatch(new RegExp(`L1 +${l1!.id} +${l1!.size} +fixture layer 1 +shared with 1 other image`));
    // Top first, like the stack it is, each on the lowerdir named by its ChainID.
    expect(f.indexOf('L3')).toBeLessThan(f.indexOf('L1'));
    expect(f).toContain(`lowerdir <data-root>/layers/${tools.layers[0]!.chainId!.slice(7, 19)}…/diff`);
    expect(f).toContain('lower   the image\'s layers, read-only, listed top first: 3 lowerdirs');
    expect(f).toContain('merged  lower and upper seen as one tree: mounted at / inside the container');
    expect(f).toContain('/data ← <data-root>/volumes/greetings/_data');
    expect(f).toContain(`Files the container changed (diff): ${changes.A.length} added, 3 changed, 1 deleted`);
    expect(f).toMatch(/D \/etc\/shadow/);
    expect(f).toMatch(/C \/etc {2}\/etc\/group {2}\/var/);
    expect(f).toContain('/data (a volume\'s mount point: its files live outside)');
  });

  it('reads as plain sentences', () => {
    const f = frame(<Layers model={model} image={tools} others={all} changes={changes} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    expect(widest(f)).toBeLessThanOrEqual(80);
    const text = f.replace(/\s+/g, ' ');
    expect(text).toContain(`Layer 1: ${l1!.id}, ${size(tools.layers[0]!.size)}; made by: fixture layer 1; shared with 1 other image;`);
    expect(text).toContain(`Writable layer of container ${model.last!.slice(0, 12)}, driver overlay`);
    expect(text).toContain('Deleted: /etc/shadow.');
    expect(text).toContain('Changed: /etc, /etc/group, /var.');
  });

  it('shows the mounted layers from the events alone, and an image alone', () => {
    const f = frame(<Layers model={model} width={80} plain={false} />);
    expect(f).toContain('layers as mounted (sizes need the image)');
    expect(f).toContain(tools.layers[2]!.chainId!.slice(7, 19));
    const img = frame(<Layers image={tools} width={80} plain={false} />);
    expect(img).not.toContain('RW');
    expect(img).not.toContain('shared with');
    expect(img).toMatch(new RegExp(`L1 +${l1!.id}`));
  });
});
