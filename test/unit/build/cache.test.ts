// Cache keys and the config instructions: what makes two steps "the same step" for the cache.
import { describe, expect, it } from 'vitest';
import { cacheKey, stepAnnotations } from '../../../src/engine/build/cache.ts';
import { isIntermediate } from '../../../src/engine/image/names.ts';
import { REF_NAME } from '../../../src/engine/store/image-index.ts';
import { applyChanges, applyConfig, type ConfigState, exposedPorts, goQuoted, workdirOf } from '../../../src/engine/build/config.ts';
import { planDockerfile } from '../../../src/engine/build/instructions.ts';
import { envLookup } from '../../../src/engine/build/words.ts';

describe('cache keys', () => {
  it('depend on the parent image and the step text, nothing else', () => {
    const a = cacheKey('sha256:aaa', '/bin/sh -c echo hi');
    expect(cacheKey('sha256:aaa', '/bin/sh -c echo hi')).toBe(a);
    expect(cacheKey('sha256:bbb', '/bin/sh -c echo hi')).not.toBe(a);
    expect(cacheKey('sha256:aaa', '/bin/sh -c echo ho')).not.toBe(a);
    expect(cacheKey(undefined, 'x')).toBe(cacheKey(undefined, 'x'));
    expect(cacheKey(undefined, 'x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a step image is hidden from `images` until it is a build result (named, or unmarked)', () => {
    const step = { mediaType: 'm', digest: 'sha256:1' as const, size: 1, annotations: stepAnnotations('k') };
    expect(isIntermediate([step])).toBe(true);
    expect(isIntermediate([step, { ...step, annotations: { ...step.annotations, [REF_NAME]: 'docker.io/library/app:latest' } }])).toBe(false);
    expect(isIntermediate([{ ...step, annotations: {} }])).toBe(false);
    expect(isIntermediate([])).toBe(false);
  });
});

describe('config instructions', () => {
  const steps = planDockerfile([
    'FROM scratch',
    'ENV A=1 B="$A two"',
    'LABEL "com.example"=yes',
    'USER ${NOBODY:-nobody}',
    'WORKDIR /app',
    'WORKDIR sub',
    'EXPOSE 80 53/udp 8000-8001',
    'VOLUME /data /cache',
    'CMD echo hi',
    'ENTRYPOINT ["/bin/tini"]',
    'STOPSIGNAL SIGINT',
  ].join('\n')).stages[0]!.steps;

  it('change the config and say what Docker says in the history', () => {
    const s: ConfigState = { config: {}, cmdSet: false };
    const texts = steps.map((i) => applyConfig(i, s, envLookup(s.config.Env ?? [])));
    // A variable set on an ENV line is not seen by that same line (Docker: `ENV abc=bye def=$abc`).
    expect(texts).toEqual([
      ' ENV A=1 B= two', ' LABEL com.example=yes', ' USER nobody', 'WORKDIR /app', 'WORKDIR /app/sub', ' EXPOSE 80 53/udp 8000-8001',
      ' VOLUME [/data /cache]', ' CMD ["/bin/sh" "-c" "echo hi"]', ' ENTRYPOINT ["/bin/tini"]', ' STOPSIGNAL SIGINT',
    ]);
    expect(s.config).toEqual({
      Env: ['A=1', 'B= two'], Labels: { 'com.example': 'yes' }, User: 'nobody', WorkingDir: '/app/sub',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} }, Volumes: { '/data': {}, '/cache': {} },
      Cmd: ['/bin/sh', '-c', 'echo hi'], Entrypoint: ['/bin/tini'], StopSignal: 'SIGINT',
    });
  });

  it('ENTRYPOINT resets an inherited CMD, not one set in the same stage', () => {
    const inherited: ConfigState = { config: { Cmd: ['sh'] }, cmdSet: false };
    applyConfig(steps[8]!, inherited, () => undefined);
    expect(inherited.config.Cmd).toBeNull();
    const own: ConfigState = { config: {}, cmdSet: false };
    applyConfig(steps[7]!, own, () => undefined);
    applyConfig(steps[8]!, own, () => undefined);
    expect(own.config.Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  it('commit --change takes the config instructions only', () => {
    expect(applyChanges({ Env: ['X=1'], Cmd: ['sh'] }, ['CMD ["/bin/app"]', 'ENV Y=$X', 'EXPOSE 8080', 'WORKDIR /srv'])).toEqual({
      Env: ['X=1', 'Y=1'], Cmd: ['/bin/app'], ExposedPorts: { '8080/tcp': {} }, WorkingDir: '/srv',
    });
    expect(() => applyChanges({}, ['RUN rm -rf /'])).toThrow(/run is not a valid change command/);
  });

  it('helpers', () => {
    expect(goQuoted(['a', 'b "c"'])).toBe('["a" "b \\"c\\""]');
    expect(exposedPorts('8080/TCP')).toEqual(['8080/tcp']);
    expect(() => exposedPorts('http')).toThrow(/invalid port/);
    expect(workdirOf('/a', '../b')).toBe('/b');
    expect(workdirOf(undefined, 'rel')).toBe('/rel');
  });
});
