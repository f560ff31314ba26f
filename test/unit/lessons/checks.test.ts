// The checks over what the engine really did: fed with event streams recorded from the real
// engine (test/fixtures/events, scripts/record-events.ts), folded into facts, and evaluated
// with a state snapshot. Each check that does not hold gives the hint a learner would need.
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/engine/events.ts';
import { apiPath, type Check, evaluate, fill, needsOf, normalRef, parseCheck, type Snapshot } from '../../../src/lessons/checks.ts';
import { emptyFacts, type Facts, foldFact } from '../../../src/lessons/facts.ts';
import { hintText } from '../../../src/lessons/hints.ts';
import { events } from '../visualize/fixtures.ts';

function facts(...streams: EngineEvent[][]): Facts {
  const f = emptyFacts();
  for (const s of streams) for (const e of s) foldFact(f, e);
  return f;
}

const REG = '127.0.0.1:38711';
const check = (line: string, f: Facts, snap: Snapshot = {}) => evaluate(parseCheck(line), f, snap, { registry: REG });
const hintOf = (line: string, f: Facts, snap: Snapshot = {}) => {
  const o = check(line, f, snap);
  return o.ok ? 'holds' : `${o.hint.code}: ${hintText(o.hint, 'en')}`;
};

describe('parseCheck', () => {
  it.each<[string, Check]>([
    ['api path=/info', { kind: 'api', path: '/info' }],
    ['api path=/containers/json method=get', { kind: 'api', path: '/containers/json', method: 'GET' }],
    ['handshake', { kind: 'handshake' }],
    ['container name=web state=gone', { kind: 'container', name: 'web', state: 'gone' }],
    ['ran image=busybox cpus=0.5 pids=20 link=db:dbapp publish=8080:80 ns=pid,uts removed=true', { kind: 'ran', filters: { image: 'busybox', cpus: 0.5, pids: 20, link: 'db:dbapp', publish: '8080:80', ns: ['pid', 'uts'], removed: true } }],
    ['changed container=cow path="/etc/my file" kind=A', { kind: 'changed', container: 'cow', path: '/etc/my file', change: 'A' }],
    ['pushed ref={registry}/me/stamp:1', { kind: 'pushed', ref: '{registry}/me/stamp:1' }],
    ['committed', { kind: 'committed' }],
  ])('%s', (line, want) => {
    expect(parseCheck(line)).toEqual(want);
  });

  it.each([
    ['nothing', /unknown check "nothing"/],
    ['handshake ref=x', /handshake takes no arguments/],
    ['container name=web', /container needs state=/],
    ['container name=web state=sleeping', /state= is running, exited, created or gone/],
    ['ran exit=zero', /exit= takes a whole number/],
    ['ran tty=yes', /tty= takes true or false/],
    ['ran ns=pid,time', /not "time"/],
    ['ran link=db', /link= is name:alias/],
    ['ran publish=80', /publish= is hostPort:containerPort/],
    ['signal container=web action=pause', /action= is stop, kill or restart/],
    ['image busybox', /key=value/],
  ])('rejects %s', (line, message) => {
    expect(() => parseCheck(line)).toThrow(message);
  });
});

describe('helpers', () => {
  it('normalises references as pull does, fills placeholders, strips the API version', () => {
    expect(normalRef('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalRef('docker.io/library/busybox:latest')).toBe('docker.io/library/busybox:latest');
    expect(normalRef(`${REG}/me/stamp:1`)).toBe(`${REG}/me/stamp:1`);
    expect(fill('{registry}/me/x and {dir} and {{.Id}}', { registry: REG })).toBe(`${REG}/me/x and {dir} and {{.Id}}`);
    expect(apiPath('/v1.41/containers/web/logs?tail=4')).toBe('/containers/web/logs');
    expect(apiPath('/_ping')).toBe('/_ping');
  });

  it('asks the state only for what the checks need', () => {
    const checks = ['image ref=busybox', 'changed container=cow path=/etc/motd', 'volume name=notes', 'ran exit=0'].map(parseCheck);
    expect(needsOf(checks, {})).toEqual({ images: true, containers: true, changes: ['cow'], volumes: true });
    expect(needsOf([parseCheck('ran exit=0')], {})).toEqual({});
  });
});

describe('checks over recorded runs', () => {
  it('the OOM kill under -m 32m: memory and oom hold; a different limit names both', () => {
    const f = facts(events('run-oom'));
    expect(check('ran memory=32m oom=true exit=137', f)).toEqual({ ok: true });
    expect(hintOf('ran memory=64m oom=true', f)).toBe('ran.memory: fixture-oom had a memory limit of 32m; this step wants -m 64m.');
    expect(hintOf('ran oom=false', f)).toMatch(/^ran.oom:/);
    // What its main process ran: the first word, or the whole line.
    const argv = (events('run-oom').find((e) => e.type === 'runtime.process') as { argv: string[] }).argv;
    expect(check(`ran cmd=${argv[0]}`, f)).toEqual({ ok: true });
    expect(evaluate({ kind: 'ran', filters: { cmd: argv.join(' ') } }, f, {})).toEqual({ ok: true });
    expect(hintOf('ran cmd=true', f)).toMatch(/^ran.cmd: fixture-oom ran ".+"; this step wants it to run true\.$/);
  });

  it('the burn with --cpus 0.5 -m 64m --pids-limit 32, killed: not an OOM kill', () => {
    const f = facts(events('run-burn'));
    expect(check('ran cpus=0.5 memory=64m pids=32', f)).toEqual({ ok: true });
    expect(hintOf('ran memory=64m oom=true', f)).toBe('ran.not-oom: fixture-burn ended with exit code 137 and was not OOM-killed: it stayed under its memory limit; make it use more memory than -m allows.');
    expect(hintOf('ran cpus=1', f)).toBe('ran.cpus: fixture-burn had --cpus 0.5; this step wants --cpus 1.');
    expect(hintOf('ran pids=20', f)).toMatch(/^ran.pids:/);
    expect(hintOf('signal container=fixture-burn action=stop', f)).toMatch(/^signal.none: fixture-burn has not been sent "stop"/);
    expect(check('signal container=fixture-burn action=kill', f)).toEqual({ ok: true });
  });

  it('a run without -m is told so, in both languages', () => {
    const f = facts(events('exec'));
    const o = check('ran memory=64m', f);
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(hintText(o.hint, 'en')).toBe('You ran fixture-exec without -m: add -m 64m to limit its memory.');
      expect(hintText(o.hint, 'zh')).toBe('你运行 fixture-exec 时没有加 -m：加上 -m 64m 来限制它的内存。');
    }
  });

  it('exec into a container, by its name', () => {
    const f = facts(events('exec'));
    expect(check('exec container=fixture-exec exit=0', f)).toEqual({ ok: true });
    expect(hintOf('exec container=fixture-exec exit=1', f)).toMatch(/^exec.exit: The exec in fixture-exec ended with 0, not 1/);
    expect(hintOf('exec container=nosuch', f)).toMatch(/^container.missing: There is no container named nosuch/);
  });

  it('the image filter compares references as the engine names them', () => {
    const f = facts(events('run-volume'));
    expect(check('ran image={registry}/learn/tools:1 exit=0', f)).toEqual({ ok: true });
    expect(hintOf('ran image=busybox', f)).toMatch(/^ran.image: fixture-volume ran 127.0.0.1:38711\/learn\/tools:1, and this step wants busybox/);
  });

  it('run pulled the missing image first: the recording pulled, then created', () => {
    expect(check('ran image={registry}/learn/tools:1 pulled=true', facts(events('run-volume')))).toEqual({ ok: true });
    expect(hintOf('ran pulled=true', facts(events('exec')))).toMatch(/^ran.not-pulled: fixture-exec was created from an image already in the store/);
  });

  it('a volume a container used: mounted, and not yet used again after a removal', () => {
    const f = facts(events('run-volume'));
    expect(check('ran volume=greetings exit=0', f)).toEqual({ ok: true });
    // The recording ends with its container still there: nothing was removed yet.
    expect(hintOf('volume-kept name=greetings', f)).toMatch(/^volume.not-removed: The containers that used greetings are all still there/);
    expect(hintOf('volume-kept name=other', f)).toMatch(/^volume.unused:/);
    expect(hintOf('ran volume=other', f)).toMatch(/^ran.no-volume: fixture-volume had no volume other/);
  });

  it('links and published ports, from the run on a bridge', () => {
    const f = facts(events('network'));
    expect(check('ran link=db:dbapp publish=8080:80 exit=0', f)).toEqual({ ok: true });
    expect(hintOf('ran name=db link=db:other', f)).toMatch(/^ran.no-link: /);
    expect(hintOf('ran publish=9090:80', f)).toMatch(/^ran.no-publish: .* -p 9090:80\.$/);
  });

  it('the pull handshake with a token: ping, manifest, config, blobs', () => {
    const f = facts(events('pull-token'));
    expect(check('handshake', f)).toEqual({ ok: true });
    expect(check('pull ref={registry}/learn/busybox:1 fresh=true', f)).toEqual({ ok: true });
    expect(hintOf('pull ref={registry}/learn/busybox:1 shared=true', f)).toMatch(/^pull.nothing-shared:/);
    expect(hintOf('pull ref=busybox', f)).toMatch(/^pull.none: No pull of busybox has finished/);
    expect(hintOf('handshake', emptyFacts())).toMatch(/^handshake.no-pull:/);
  });

  it('a pull that found a layer in the store already', () => {
    const f = facts(events('pull-shared'));
    expect(check('pull ref={registry}/learn/tools:1 shared=true', f)).toEqual({ ok: true });
  });

  it('the daemon answered a request, whatever API version the client chose', () => {
    const f = facts(events('api'));
    expect(check('api path=/version', f)).toEqual({ ok: true });
    expect(check('api path=/containers/json method=GET', f)).toEqual({ ok: true });
    expect(check('api path=/containers', f)).toEqual({ ok: true });
    expect(hintOf('api path=/build', f)).toMatch(/^api.none:/);
  });

  it('a step counts the pulls begun since it opened', () => {
    const f = facts(events('pull-token'));
    f.stepStart = f.seq; // the next step opens
    expect(hintOf('handshake', f)).toMatch(/^handshake.no-pull:/);
    expect(hintOf('pull ref={registry}/learn/busybox:1', f)).toMatch(/^pull.none:/);
  });

  it('the hint is about the container made last, or the last one of the name asked', () => {
    const f = facts(events('run-oom'), events('exec'));
    expect(check('ran memory=32m oom=true', f)).toEqual({ ok: true });
    expect(hintOf('ran memory=64m', f)).toMatch(/^ran.no-memory: You ran fixture-exec without -m/);
    expect(hintOf('ran name=fixture-oom memory=64m', f)).toMatch(/^ran.memory: fixture-oom had a memory limit of 32m/);
  });

  it('nothing ran yet: the run above is what to do', () => {
    expect(hintOf('ran exit=0', emptyFacts())).toBe('ran.none: No container has been created since this lesson began: type the run command above.');
  });
});

describe('checks over the state now', () => {
  const snap: Snapshot = {
    images: ['docker.io/library/busybox:latest', `${REG}/me/stamp:1`],
    containers: [{ id: 'a'.repeat(64), name: 'web', state: 'running' }, { id: 'b'.repeat(64), name: 'old', state: 'exited' }],
    volumes: ['notes'],
    networks: ['bridge', 'appnet'],
    changes: { cow: [{ path: '/etc/motd', kind: 'A' }, { path: '/bin/ls', kind: 'D' }], gone: null },
  };
  const f = emptyFacts();

  it.each([
    ['image ref=busybox', 'holds'],
    ['image ref={registry}/me/stamp:1', 'holds'],
    ['image ref=busybox:1.36', 'image.missing'],
    ['no-image ref=busybox', 'image.present'],
    ['no-image ref=alpine', 'holds'],
    ['container name=web state=running', 'holds'],
    ['container name=old state=running', 'container.running'],
    ['container name=web state=gone', 'container.gone'],
    ['container name=nosuch state=gone', 'holds'],
    ['container name=nosuch state=exited', 'container.missing'],
    ['volume name=notes', 'holds'],
    ['volume name=data', 'volume.missing'],
    ['no-volume name=notes', 'volume.present'],
    ['network name=appnet', 'holds'],
    ['network name=other', 'network.missing'],
    ['no-network name=appnet', 'network.present'],
    ['no-network name=other', 'holds'],
    ['changed container=cow path=/etc/motd kind=A', 'holds'],
    ['changed container=cow path=/bin/ls kind=C', 'changed.kind'],
    ['changed container=cow path=/root', 'changed.none'],
    ['changed container=gone path=/x', 'container.missing'],
  ])('%s → %s', (line, want) => {
    const o = check(line, f, snap);
    expect(o.ok ? 'holds' : o.hint.code).toBe(want);
  });
});
