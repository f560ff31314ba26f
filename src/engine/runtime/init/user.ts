// Docker's --user / the image's USER, resolved the way runc does it: inside the container, against
// the container's own /etc/passwd and /etc/group (the host's users mean nothing there). A number
// needs no entry; a name must have one. The process also gets the supplementary groups its user is
// listed in, and HOME from its passwd entry (or "/" when there is none).

export interface ExecUser {
  uid: number;
  gid: number;
  groups: number[];
  home: string;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5]! });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: f[3]!.split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

const NUMERIC = /^\d+$/;

export class UserError extends Error {}

/** Resolves a --user value with the container's passwd and group files (either may be missing). */
export function resolveUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ExecUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const u = userPart === '' ? '0' : userPart;
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (NUMERIC.test(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new UserError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (NUMERIC.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new UserError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new UserError(`uid or gid out of range in "${spec}"`);
  // Supplementary groups only when the group was not given explicitly (runc's rule).
  const extra = groupPart === undefined && entry ? groups.filter((g) => g.members.includes(entry!.name)).map((g) => g.gid) : [];
  return { uid, gid, groups: [...new Set(extra.filter((g) => g !== gid))], home: entry?.home || '/' };
}
