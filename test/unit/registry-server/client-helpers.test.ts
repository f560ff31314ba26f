// The pure pieces around the registry on the client side: mirror order, login and search names,
// and Docker's push progress lines made from push events.
import { describe, expect, it } from 'vitest';
import { serverDomain } from '../../../src/cli/commands/login.ts';
import { splitSearchTerm } from '../../../src/cli/commands/search.ts';
import { PushProgress } from '../../../src/daemon/push-progress.ts';
import { Puller } from '../../../src/engine/image/pull.ts';
import { parseReference } from '../../../src/engine/reference.ts';
import { registryOrigin } from '../../../src/engine/registry/login.ts';

describe('registry mirrors', () => {
  it('Docker Hub names try the mirrors first, in order, then the Hub; other registries never use them', () => {
    const hub = parseReference('ubuntu');
    expect(Puller.origins(hub, {})).toEqual(['https://registry-1.docker.io']);
    expect(Puller.origins(hub, { mirrors: ['http://127.0.0.1:5000/', '10.0.0.5:5000'] })).toEqual(['http://127.0.0.1:5000', 'https://10.0.0.5:5000', 'https://registry-1.docker.io']);
    expect(Puller.origins(hub, { mirrors: ['10.0.0.5:5000'], insecureRegistries: ['10.0.0.5:5000'] })).toEqual(['http://10.0.0.5:5000', 'https://registry-1.docker.io']);
    expect(Puller.origins(parseReference('127.0.0.1:5001/a/b'), { mirrors: ['http://127.0.0.1:5000'] })).toEqual(['http://127.0.0.1:5001']);
    expect(Puller.origins(hub, { mirrors: ['http://127.0.0.1:5000'], fallbacks: ['http://127.0.0.1:40000'] })).toEqual(['http://127.0.0.1:5000', 'https://registry-1.docker.io', 'http://127.0.0.1:40000']);
    expect(Puller.origins(parseReference('quay.io/a/b'), { fallbacks: ['http://127.0.0.1:40000'] })).toEqual(['https://quay.io']); // only Docker Hub images fall back
  });

  it('loopback and insecure registries are plain HTTP, the rest HTTPS', () => {
    expect(registryOrigin('localhost:5000')).toBe('http://localhost:5000');
    expect(registryOrigin('registry.example.com')).toBe('https://registry.example.com');
    expect(registryOrigin('registry.example.com', ['registry.example.com'])).toBe('http://registry.example.com');
    expect(registryOrigin('docker.io')).toBe('https://registry-1.docker.io');
  });
});

describe('login and search names', () => {
  it('reads SERVER the ways docker login takes it', () => {
    expect(serverDomain(undefined)).toBe('docker.io');
    expect(serverDomain('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
    expect(serverDomain('https://index.docker.io/v1/')).toBe('docker.io');
  });

  it('splits REGISTRY/TERM; a bare term is Docker Hub\'s', () => {
    expect(splitSearchTerm('127.0.0.1:5000/busy')).toEqual({ domain: '127.0.0.1:5000', term: 'busy' });
    expect(splitSearchTerm('localhost/lib/x')).toEqual({ domain: 'localhost', term: 'lib/x' });
    expect(splitSearchTerm('busybox')).toEqual({ domain: 'docker.io', term: 'busybox' });
    expect(splitSearchTerm('learner/app')).toEqual({ domain: 'docker.io', term: 'learner/app' });
  });
});

describe('push progress as Docker\'s JSON lines', () => {
  it('names layers by DiffID, skips the config, and ends with the digest line and aux', () => {
    const p = new PushProgress('h:5000/a/b:1');
    const diffId = `sha256:${'d'.repeat(64)}`;
    const base = { type: 'push.layer' as const, pushId: 'x', digest: `sha256:${'b'.repeat(64)}`, diffId, kind: 'layer' as const, current: 0, total: 10 };
    expect(p.map({ type: 'push.start', pushId: 'other', ref: 'h:5000/c:1' })).toEqual([]);
    expect(p.map({ type: 'push.start', pushId: 'x', ref: 'h:5000/a/b:1' })).toEqual([]);
    expect(p.map({ ...base, phase: 'preparing' })).toEqual([{ status: 'Preparing', progressDetail: {}, id: 'dddddddddddd' }]);
    expect(p.map({ ...base, pushId: 'other', phase: 'pushed' })).toEqual([]);
    expect(p.map({ ...base, kind: 'config', phase: 'pushed' })).toEqual([]);
    expect(p.map({ ...base, phase: 'pushing', current: 5 })[0]).toMatchObject({ status: 'Pushing', progressDetail: { current: 5, total: 10 }, id: 'dddddddddddd' });
    expect(p.map({ ...base, phase: 'mounted', from: 'a/base' })).toEqual([{ status: 'Mounted from a/base', progressDetail: {}, id: 'dddddddddddd' }]);
    expect(p.map({ ...base, phase: 'exists' })[0]!.status).toBe('Layer already exists');
    expect(PushProgress.finished({ tag: '1', digest: 'sha256:abc', size: 528 })).toEqual([
      { status: '1: digest: sha256:abc size: 528' },
      { progressDetail: {}, aux: { Tag: '1', Digest: 'sha256:abc', Size: 528 } },
    ]);
  });
});
