// Tab completion by data: command names, flags from a command's specs, and its arguments by what
// its usage line names (IMAGE, CONTAINER, VOLUME), from lists fetched once per prompt.
import { describe, expect, it } from 'vitest';
import { argKinds, CachedSources, commonPrefix, complete, type CompletionSources } from '../../../src/repl/complete.ts';

const sources: CompletionSources = {
  images: async () => ['busybox:latest', 'ubuntu:22.04', '127.0.0.1:5000/learn/busybox:1'],
  containers: async () => ['tty1', 'sleepy', 'web'],
  volumes: async () => ['greetings', 'data'],
};

async function words(line: string, cursor = line.length): Promise<string[]> {
  return (await complete(line, cursor, sources)).candidates.sort();
}

describe('what a usage line names', () => {
  it('reads IMAGE, CONTAINER, VOLUME and repeats the last one given with "..."', () => {
    expect(argKinds('[OPTIONS] IMAGE [COMMAND] [ARG...]')).toEqual({ kinds: ['image', 'none', 'none'], repeats: true });
    expect(argKinds('[OPTIONS] CONTAINER [CONTAINER...]')).toEqual({ kinds: ['container', 'container'], repeats: true });
    expect(argKinds('[OPTIONS] NAME[:TAG|@DIGEST]')).toEqual({ kinds: ['image'], repeats: false });
    expect(argKinds('[OPTIONS] NAME|ID [NAME|ID...]').kinds).toEqual(['object', 'object']);
    expect(argKinds('SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]').kinds).toEqual(['image', 'image']);
    expect(argKinds('[OPTIONS] VOLUME [VOLUME...]').kinds).toEqual(['volume', 'volume']);
  });
});

describe('complete', () => {
  it('offers command names, the REPL\'s own among them, and a second word where names have two', async () => {
    expect(await words('im')).toEqual(['image', 'images', 'import']);
    expect(await words('sh')).toEqual(['show']);
    expect(await words('image ')).toEqual(expect.arrayContaining(['inspect', 'ls', 'pull', 'rm']));
    expect(await words('volume l')).toEqual(['list', 'ls']);
    expect(await words('docker ru')).toEqual(['run']);
  });

  it('offers flags from the command\'s specs, --help included', async () => {
    expect(await words('ps --a')).toEqual(['--all']);
    expect(await words('run --rm --na')).toEqual(['--name']);
    expect(await words('rm -')).toEqual(['--force', '--help', '--link', '--volumes']);
  });

  it('offers images where the usage says IMAGE, containers where it says CONTAINER', async () => {
    expect(await words('run -it --rm bu')).toEqual(['busybox:latest']);
    expect(await words('pull 127')).toEqual(['127.0.0.1:5000/learn/busybox:1']);
    expect(await words('rmi busybox:latest u')).toEqual(['ubuntu:22.04']);
    expect(await words('stop s')).toEqual(['sleepy']);
    expect(await words('logs -f ')).toEqual(['sleepy', 'tty1', 'web']);
    expect(await words('exec -it t')).toEqual(['tty1']);
    expect(await words('inspect ')).toEqual(expect.arrayContaining(['web', 'busybox:latest']));
    expect(await words('volume rm g')).toEqual(['greetings']);
    expect(await words('show c')).toEqual(['cgroups']);
    expect(await words('help ru')).toEqual(['run']);
  });

  it('offers nothing for a flag\'s value or the container\'s own command', async () => {
    expect(await words('run --name ')).toEqual([]);
    expect(await words('run -e ')).toEqual([]);
    expect(await words('run busybox ')).toEqual([]);
    expect(await words('run busybox ls --a')).toEqual([]); // ls's flags are not run's
    expect(await words('run -it busybox ')).toEqual([]);
  });

  it('completes the word under the cursor, not the end of the line', async () => {
    const c = await complete('stop sl web', 7, sources);
    expect(c).toEqual({ from: 5, to: 7, candidates: ['sleepy'] });
  });

  it('the longest prefix the candidates share', () => {
    expect(commonPrefix(['images', 'image', 'import'])).toBe('im');
    expect(commonPrefix(['tty1'])).toBe('tty1');
    expect(commonPrefix([])).toBe('');
  });

  it('asks for each list once per prompt; a failure completes nothing', async () => {
    let asked = 0;
    const cached = new CachedSources({
      images: async () => (asked++, ['busybox:latest']),
      containers: async () => {
        throw new Error('no daemon');
      },
      volumes: async () => [],
    });
    expect(await cached.images()).toEqual(['busybox:latest']);
    expect(await cached.images()).toEqual(['busybox:latest']);
    expect(asked).toBe(1);
    expect(await cached.containers()).toEqual([]);
    cached.reset();
    await cached.images();
    expect(asked).toBe(2);
  });
});
