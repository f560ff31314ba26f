// Legacy links (`--link db:dbapp`), Docker's way (moby daemon/links/links.go): the new container
// reaches the linked one under an alias through an /etc/hosts line (`IP dbapp db`) and learns about
// it from environment variables — its address and exposed ports, its name, and its environment.
// Pure: the engine looks the linked container up and passes what it found.
import { SkiffError } from '../errors.ts';
import { comparePortKeys } from './ports.ts';

export interface LinkSpec {
  /** The linked container, as the user named it. */
  name: string;
  alias: string;
}

/** "db:dbapp" → {name: db, alias: dbapp}; "db" → alias db. HostConfig.Links may also hold "/db:/web/dbapp". */
export function parseLink(raw: string): LinkSpec {
  const parts = raw.split(':');
  const [name = '', aliasPart] = parts;
  const clean = name.replace(/^\//, '');
  const alias = (aliasPart ?? clean).split('/').pop() ?? '';
  if (parts.length > 2 || !clean || clean.includes('/') || !alias || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(alias)) throw new SkiffError('USAGE', `invalid link: ${raw}`, 'write --link NAME[:ALIAS], e.g. --link db:dbapp');
  return { name: clean, alias };
}

/** How HostConfig.Links stores a link once made: "/db:/web/dbapp". */
export function linkEntry(target: string, self: string, alias: string): string {
  return `/${target}:/${self}/${alias}`;
}

export interface LinkedContainer {
  /** Its name, without "/". */
  name: string;
  ip: string;
  /** Config.ExposedPorts keys: "80/tcp". */
  exposedPorts: string[];
  env: string[];
}

/** The environment variables a link gives (links.go ToEnv), in Docker's order. */
export function linkEnv(self: string, alias: string, c: LinkedContainer): string[] {
  const A = alias.toUpperCase().replace(/-/g, '_');
  const ports = [...c.exposedPorts].sort((a, b) => comparePortKeys(a, b) || (a.endsWith('/tcp') ? -1 : 1)).map((k) => {
    const [p, proto = 'tcp'] = k.split('/');
    return { port: Number(p), proto };
  });
  const env: string[] = [];
  const first = ports[0];
  if (first) env.push(`${A}_PORT=${first.proto}://${c.ip}:${first.port}`);
  // A run of consecutive ports also gets _START and _END variables.
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1]!.port === ports[j]!.port + 1) j++;
    if (j > i) {
      const p = ports[i]!;
      const q = ports[j]!;
      const P = p.proto.toUpperCase();
      env.push(
        `${A}_PORT_${p.port}_${P}_START=${p.proto}://${c.ip}:${p.port}`, `${A}_PORT_${p.port}_${P}_ADDR=${c.ip}`,
        `${A}_PORT_${p.port}_${P}_PROTO=${p.proto}`, `${A}_PORT_${p.port}_${P}_PORT_START=${p.port}`,
        `${A}_PORT_${p.port}_${q.proto.toUpperCase()}_END=${q.proto}://${c.ip}:${q.port}`, `${A}_PORT_${p.port}_${q.proto.toUpperCase()}_PORT_END=${q.port}`,
      );
      i = j + 1;
    } else i++;
  }
  for (const p of ports) {
    const P = p.proto.toUpperCase();
    env.push(`${A}_PORT_${p.port}_${P}=${p.proto}://${c.ip}:${p.port}`, `${A}_PORT_${p.port}_${P}_ADDR=${c.ip}`, `${A}_PORT_${p.port}_${P}_PORT=${p.port}`, `${A}_PORT_${p.port}_${P}_PROTO=${p.proto}`);
  }
  env.push(`${A}_NAME=/${self}/${alias}`);
  for (const v of c.env) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const k = v.slice(0, eq);
    if (k === 'HOME' || k === 'PATH') continue; // set by builds, meaningless in another container
    env.push(`${A}_ENV_${k}=${v.slice(eq + 1)}`);
  }
  return env;
}
