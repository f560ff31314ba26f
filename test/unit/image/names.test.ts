import { describe, expect, it } from 'vitest';
import { danglingIds, imageIdOf, nameOf, removeImage, removeName, setName } from '../../../src/engine/image/names.ts';
import { IMAGE_ID, type IndexEntry, REF_NAME } from '../../../src/engine/store/image-index.ts';

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
function entry(id: string, name?: string): IndexEntry {
  return { mediaType: 'm', digest: d(id), size: 1, annotations: { [IMAGE_ID]: d(id), ...(name ? { [REF_NAME]: name } : {}) } };
}

describe('image names', () => {
  it('gives a name to a new image', () => {
    const out = setName([], 'docker.io/library/a:latest', entry('1'));
    expect(out.map(nameOf)).toEqual(['docker.io/library/a:latest']);
  });

  it('leaves the old image dangling when its only name moves to a new image', () => {
    const out = setName([entry('1', 'x:1')], 'x:1', entry('2'));
    expect(out.find((e) => nameOf(e) === 'x:1') && imageIdOf(out.find((e) => nameOf(e) === 'x:1')!)).toBe(d('2'));
    expect(danglingIds(out)).toEqual([d('1')]);
  });

  it('does not leave a dangling entry when the old image keeps another name', () => {
    const out = setName([entry('1', 'x:1'), entry('1', 'x:2')], 'x:1', entry('2'));
    expect(danglingIds(out)).toEqual([]);
    expect(out).toHaveLength(2);
  });

  it('naming a dangling image removes its dangling entry', () => {
    const out = setName([entry('1')], 'x:1', entry('1'));
    expect(out).toHaveLength(1);
    expect(nameOf(out[0]!)).toBe('x:1');
  });

  it('re-pulling the same image under the same name changes nothing', () => {
    const out = setName([entry('1', 'x:1')], 'x:1', entry('1'));
    expect(out).toHaveLength(1);
    expect(danglingIds(out)).toEqual([]);
  });

  it('removing the last name deletes the image; removing one of two only untags', () => {
    const one = removeName([entry('1', 'x:1')], 'x:1');
    expect(one.deletedImage).toBe(d('1'));
    expect(one.entries).toEqual([]);
    const two = removeName([entry('1', 'x:1'), entry('1', 'y:1')], 'x:1');
    expect(two.deletedImage).toBeUndefined();
    expect(two.entries.map(nameOf)).toEqual(['y:1']);
  });

  it('removing a name that does not exist changes nothing', () => {
    const r = removeName([entry('1', 'x:1')], 'y:1');
    expect(r.untagged).toBeUndefined();
    expect(r.entries).toHaveLength(1);
  });

  it('removes every entry of an image by ID', () => {
    const r = removeImage([entry('1', 'x:1'), entry('1', 'y:1'), entry('2', 'z:1')], d('1'));
    expect(r.untagged.sort()).toEqual(['x:1', 'y:1']);
    expect(r.entries.map(nameOf)).toEqual(['z:1']);
  });
});
