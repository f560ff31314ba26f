// docker run's flags → the create request, as docker/cli's parse() builds it, and its errors.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/args.ts';
import { containerOptions, type FlagEnv, parseKvFile, parseNanoCpus, RUN_FLAGS } from '../../../src/cli/run-flags.ts';

const files: Record<string, string> = {
  '/proj/app.env': '# comment\n\nA=1\n  B=two words\nFROM_HOST\nNOT_SET\n',
  '/proj/labels': 'team=blue\nsolo\n',
};
const env: FlagEnv = {
  env: { FROM_HOST: 'h', HOME: '/root' },
  cwd: '/proj',
  readFile: (f) => {
    if (!(f in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${f}'`), { code: 'ENOENT' });
    return files[f]!;
  },
  terminalSize: { rows: 24, cols: 80 },
};

function opts(line: string) {
  return containerOptions(parseArgs(line.split(' '), RUN_FLAGS), env, 'run');
}

describe('run flags → CreateRequest', () => {
  it('the plain case: image, command, attached to stdout and stderr', () => {
    expect(opts('busybox echo hi -n')).toEqual({
      body: { Image: 'busybox', Cmd: ['echo', 'hi', '-n'], Tty: false, OpenStdin: false, AttachStdin: false, AttachStdout: true, AttachStderr: true, StdinOnce: false, HostConfig: {} },
      detach: false, detachKeys: Buffer.from([0x10, 0x11]), sigProxy: true, quiet: false,
    });
  });

  it.each([
    ['-it busybox sh', { Tty: true, OpenStdin: true, AttachStdin: true, StdinOnce: true, HostConfig: { ConsoleSize: [24, 80] } }],
    ['-d -i busybox', { OpenStdin: true, AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false }],
    ['-a stdout busybox', { AttachStdout: true, AttachStderr: false }],
    ['-e A=1 -e FROM_HOST -e NOT_SET -e B= busybox', { Env: ['A=1', 'FROM_HOST=h', 'B='] }],
    ['--env-file app.env -e A=9 busybox', { Env: ['A=1', 'B=two words', 'FROM_HOST=h', 'A=9'] }],
    ['-w /srv -u 1000:1000 -h box --stop-signal SIGINT --stop-timeout 3 busybox', { WorkingDir: '/srv', User: '1000:1000', Hostname: 'box', StopSignal: 'SIGINT', StopTimeout: 3 }],
    ['--entrypoint /bin/ls busybox -l', { Entrypoint: ['/bin/ls'], Cmd: ['-l'] }],
    ['--entrypoint= busybox', { Entrypoint: [''] }],
    ['-l a=b -l flag --label-file labels busybox', { Labels: { team: 'blue', a: 'b', flag: '' } }],
    ['-v data:/data -v /host:/h:ro -v ./src:/src -v /anon busybox', { Volumes: { '/anon': {} }, HostConfig: { Binds: ['data:/data', '/host:/h:ro', '/proj/src:/src'] } }],
    ['--mount type=volume,src=vol,dst=/v,readonly --mount type=tmpfs,dst=/t busybox', { HostConfig: { Mounts: [{ Type: 'volume', Source: 'vol', Target: '/v', ReadOnly: true }, { Type: 'tmpfs', Target: '/t' }] } }],
    ['-m 16m --memory-swap -1 --cpus 1.5 -c 512 --pids-limit 10 busybox', { HostConfig: { Memory: 16 * 1024 * 1024, MemorySwap: -1, NanoCpus: 1.5e9, CpuShares: 512, PidsLimit: 10 } }],
    ['--cpu-period 50000 --cpu-quota 25000 --memory 1g --memory-swap 2g busybox', { HostConfig: { CpuPeriod: 50000, CpuQuota: 25000, Memory: 2 ** 30, MemorySwap: 2 ** 31 } }],
    ['--network none --rm --read-only --cap-add NET_ADMIN --cap-drop CHOWN --security-opt no-new-privileges busybox', {
      HostConfig: { NetworkMode: 'none', AutoRemove: true, ReadonlyRootfs: true, CapAdd: ['NET_ADMIN'], CapDrop: ['CHOWN'], SecurityOpt: ['no-new-privileges'] },
    }],
    ['-p 8080:80 -p 127.0.0.1::53/udp -p 9000-9001:90-91 busybox', {
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '90/tcp': {}, '91/tcp': {} },
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }], '90/tcp': [{ HostIp: '', HostPort: '9000' }], '91/tcp': [{ HostIp: '', HostPort: '9001' }] } },
    }],
    ['-P --expose 7000-7001 --expose 53/udp busybox', { ExposedPorts: { '7000/tcp': {}, '7001/tcp': {}, '53/udp': {} }, HostConfig: { PublishAllPorts: true } }],
    ['--link db:dbapp --link cache --network backend --ip 172.20.0.9 --network-alias api busybox', {
      HostConfig: { Links: ['db:dbapp', 'cache'], NetworkMode: 'backend' },
      NetworkingConfig: { EndpointsConfig: { backend: { IPAMConfig: { IPv4Address: '172.20.0.9' }, Aliases: ['api'] } } },
    }],
  ])('%s', (line, expected) => {
    expect(opts(line).body).toMatchObject(expected);
  });

  it('-d, --name, --detach-keys, --sig-proxy=false, -q', () => {
    expect(opts('-d --name web --detach-keys ctrl-a,x --sig-proxy=false -q busybox')).toMatchObject({ detach: true, name: 'web', detachKeys: Buffer.from([1, 0x78]), sigProxy: false, quiet: true });
  });

  it.each([
    ['-m x busybox', 'invalid argument "x" for "-m, --memory" flag: invalid size: \'x\''],
    ['-m -1 busybox', 'invalid argument "-1" for "-m, --memory" flag: invalid size: \'-1\''],
    ['--memory-swap lots busybox', 'invalid argument "lots" for "--memory-swap" flag: invalid size: \'lots\''],
    ['--cpus x busybox', 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational number'],
    ['--cpus 0.0000000001 busybox', 'invalid argument "0.0000000001" for "--cpus" flag: value is too precise'],
    ['--pids-limit ten busybox', 'invalid argument "ten" for "--pids-limit" flag: strconv.ParseInt: parsing "ten": invalid syntax'],
    ['-c 1.5 busybox', 'invalid argument "1.5" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['--stop-timeout soon busybox', 'invalid argument "soon" for "--stop-timeout" flag: strconv.ParseInt: parsing "soon": invalid syntax'],
    ['-e =x busybox', 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'],
    ['-l =x busybox', 'invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name'],
    ['-a stdio busybox', 'invalid argument "stdio" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR'],
    ['-d -a stdout busybox', 'conflicting options: cannot specify both --attach and --detach'],
    ['--env-file nope.env busybox', '--env-file: open nope.env: no such file or directory'],
    ['-p 80:x busybox', 'Invalid containerPort: x'],
    ['-p 70000:80 busybox', 'Invalid hostPort: 70000'],
    ['-p 80/sctp busybox', 'Invalid proto: sctp'],
    ['-p 8000-8002:80-81 busybox', 'Invalid ranges specified for container and host Ports: 80-81 and 8000-8002'],
    ['--link a:b:c:d busybox', 'invalid link: a:b:c:d'],
    ['--ip 172.20.0.9 busybox', 'user specified IP address is supported on user defined networks only'],
    ['--expose x busybox', 'invalid argument "x" for "--expose" flag'],
    ['--init busybox', '--init is not available in Skiff yet'],
    ['--restart always busybox', 'restart policy "always" is not available in Skiff yet'],
    ['--security-opt label busybox', 'invalid --security-opt: "label"'],
    ['--detach-keys ctrl-ä busybox', 'invalid argument "ctrl-ä" for "--detach-keys" flag: Unknown character: \'ctrl-ä\''],
    ['-v /data:ro busybox', "invalid volume specification: '/data:ro'"],
    ['--mount type=tmpfs,dst=/t,tmpfs-size=1m busybox', '--mount tmpfs-size and tmpfs-mode are not passed to the engine yet'],
  ])('%s fails: %s', (line, message) => {
    let error: unknown;
    try {
      opts(line);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'USAGE' });
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('flags end at the image: the rest is the command', () => {
    const a = parseArgs(['--rm', 'busybox', 'ls', '-la', '--rm'], RUN_FLAGS);
    expect(a).toEqual({ flags: { rm: true }, positionals: ['busybox', 'ls', '-la', '--rm'] });
  });
});

describe('the pieces', () => {
  it.each([
    ['1', 1e9], ['0.5', 5e8], ['.25', 2.5e8], ['2.', 2e9], ['1.000000001', 1000000001], ['0.0100', 1e7],
  ])('--cpus %s = %d NanoCpus', (v, n) => expect(parseNanoCpus(v)).toBe(n));

  it('reads env files as docker/cli kvfile does', () => {
    // A BOM, comments, blank lines; leading space trimmed, trailing kept; KEY alone looked up.
    expect(parseKvFile('\uFEFFA=1\n# c\n\n  C=x y \nD\nE\n', 'f', (k) => (k === 'D' ? 'd' : undefined))).toEqual(['A=1', 'C=x y ', 'D=d']);
    expect(parseKvFile('D\n', 'f')).toEqual([]); // label files look nothing up
  });

  it('refuses a variable name with whitespace', () => {
    expect(() => parseKvFile('B C=1\n', 'f.env')).toThrow("invalid env file (f.env): variable 'B C' contains whitespaces");
  });
});
