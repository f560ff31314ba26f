// The event streams scripts/record-events.ts recorded from the real engine (never hand-written),
// and what the diagram tests need around them.
import fs from 'node:fs';
import path from 'node:path';
import { renderToString } from 'ink';
import type { ReactElement } from 'react';
import type { EngineEvent } from '../../../src/engine/events.ts';
import type { UsageSample } from '../../../src/visualize/model/cgroups.ts';
import type { ImageInfo } from '../../../src/visualize/model/layers.ts';

const dir = path.resolve(import.meta.dirname, '../../fixtures/events');

export function events(name: string): EngineEvent[] {
  return fs.readFileSync(path.join(dir, `${name}.ndjson`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EngineEvent);
}

export function samples(name: string): UsageSample[] {
  return fs.readFileSync(path.join(dir, `${name}.ndjson`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as UsageSample);
}

export function json<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;
}

export const images = (): ImageInfo[] => json<ImageInfo[]>('images.json');

/** Every line's width in columns (the frames hold no wide characters), without color codes. */
export function widest(frame: string): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(...frame.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => [...l].length));
}

/** Renders once into a terminal `columns` wide (ink-testing-library's is fixed at 100) and
 *  returns the frame: for the layouts of wide terminals. */
export async function frameAt(tree: ReactElement, columns: number): Promise<string> {
  // renderToString draws one frame at a width, the same with or without CI in the environment
  // (Ink's live renderer only writes its last frame when it thinks it runs in CI).
  return renderToString(tree, { columns });
}

/** Drawing and symbols: none of these may appear in plain text. */
export const DRAWING = /[│─╭╮╰╯├┼▶█░·▁▂▃▄▅▆▇✓✗◐○←→…]/;
