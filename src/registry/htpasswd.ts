// htpasswd basic auth, as distribution's `auth.htpasswd` does it (registry/auth/htpasswd): a file
// of `user:hash` lines, and only bcrypt hashes are accepted ($2y$ from `htpasswd -B`, $2a$, $2b$).
// Node has no bcrypt, and bcrypt is the one format the reference registry accepts, so the hashes
// are checked with bcryptjs (pure JavaScript, no native build, no dependencies). bcrypt is slow on
// purpose (~50-100 ms at cost 10 in JavaScript): a client sends its password with every request, so
// a password once found right is remembered — as a keyed hash, never the password — for a while.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';

export interface HtpasswdFile {
  users: Map<string, string>;
  /** Lines that were skipped, and why (shown when the registry starts). */
  warnings: string[];
}

/** Parses htpasswd text; blank lines and `#` comments are skipped, non-bcrypt hashes refused. */
export function parseHtpasswd(text: string): HtpasswdFile {
  const users = new Map<string, string>();
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      warnings.push(`line ${i + 1}: not "user:hash"`);
      return;
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) {
      warnings.push(`line ${i + 1} (${user}): not a bcrypt hash; make one with htpasswd -B`);
      return;
    }
    if (!users.has(user)) users.set(user, hash);
  });
  return { users, warnings };
}

export class Htpasswd {
  private readonly remembered = new Map<string, number>();
  private readonly key = randomBytes(32);

  constructor(
    readonly file: HtpasswdFile,
    private readonly rememberMs = 5 * 60 * 1000,
  ) {}

  static load(path: string): Htpasswd {
    return new Htpasswd(parseHtpasswd(readFileSync(path, 'utf8')));
  }

  /** Whether the password is this user's. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.file.users.get(user);
    if (!hash) {
      // Spend the same time as a real check, so a wrong user cannot be told from a wrong password.
      await bcrypt.compare(password, '$2b$10$cBzerC9yPSrOfrLRu8B3VuxDdeF7h8AUWH6vu9apUKFWaJfAm3QIO').catch(() => false);
      return false;
    }
    const mark = createHmac('sha256', this.key).update(`${user}\0${password}\0${hash}`).digest('hex');
    const until = this.remembered.get(mark);
    if (until !== undefined && until > Date.now()) return true;
    // $2y$ (PHP, Apache's htpasswd -B) is the same algorithm as $2b$.
    const ok = await bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
    if (ok) this.remembered.set(mark, Date.now() + this.rememberMs);
    return ok;
  }
}

/** A bcrypt htpasswd line (for `skiff registry htpasswd` and tests). */
export function htpasswdLine(user: string, password: string, cost = 10): string {
  if (user.includes(':')) throw new Error('a user name cannot contain ":"');
  return `${user}:${bcrypt.hashSync(password, cost)}`;
}
