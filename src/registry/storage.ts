// Where the registry keeps what it is given. Blobs (layers, configs, manifests) live once, by
// digest, in Skiff's own content store — the OCI image layout under <root>/oci, where nothing is
// visible before its sha256 was checked (engine/store/content.ts). What each *repository* holds is
// a set of small link files beside it, as distribution's filesystem driver keeps `_layers` links:
//   <root>/repositories/<name>/_blobs/<hex>       this repository has this blob (pushed, mounted
//                                                  or fetched into it)
//   <root>/repositories/<name>/_manifests/<hex>   this repository has this manifest; the file holds
//                                                  its media type (the Content-Type it was put with)
//   <root>/repositories/<name>/_tags/<tag>         the manifest digest the tag names
// A repository path component never starts with "_" (the reference grammar), so these directory
// names cannot collide with a nested repository. A blob must be linked into a repository to be
// served from it: that is what makes a cross-repository mount mean something.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Digest, hexOf, isDigest } from '../engine/digest.ts';
import { writeFileAtomic } from '../engine/store/atomic.ts';
import { ContentStore } from '../engine/store/content.ts';
import { RegistryError } from './errors.ts';
import { lexical } from './pagination.ts';

// distribution/reference: path components joined by "/", the whole at most 255 characters.
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function checkName(name: string): void {
  if (name.length > 255 || !NAME.test(name)) throw new RegistryError('NAME_INVALID', `invalid repository name: ${JSON.stringify(name)}`, { name });
}

export function isTag(s: string): boolean {
  return TAG.test(s);
}

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class RegistryStorage {
  readonly content: ContentStore;
  private readonly repos: string;

  private constructor(readonly root: string) {
    this.content = new ContentStore(root);
    this.repos = path.join(root, 'repositories');
  }

  static async open(root: string): Promise<RegistryStorage> {
    const s = new RegistryStorage(path.resolve(root));
    await fs.mkdir(s.root, { recursive: true, mode: 0o755 });
    await s.content.init();
    await fs.mkdir(s.repos, { recursive: true });
    return s;
  }

  private dir(name: string, kind: '_blobs' | '_manifests' | '_tags'): string {
    return path.join(this.repos, ...name.split('/'), kind);
  }

  private async link(file: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    if ((await readText(file)) !== text) await writeFileAtomic(file, text);
  }

  // ---- blobs ----

  /** The blob's size when `name` holds it (linked and present), else undefined. */
  async blobSize(name: string, digest: Digest): Promise<number | undefined> {
    if (!(await exists(path.join(this.dir(name, '_blobs'), hexOf(digest))))) return undefined;
    return this.content.size(digest);
  }

  async linkBlob(name: string, digest: Digest): Promise<void> {
    await this.link(path.join(this.dir(name, '_blobs'), hexOf(digest)), '');
  }

  /** Unlinks a blob from a repository; the bytes stay for other repositories. False when it had none. */
  async unlinkBlob(name: string, digest: Digest): Promise<boolean> {
    const file = path.join(this.dir(name, '_blobs'), hexOf(digest));
    if (!(await exists(file))) return false;
    await fs.rm(file, { force: true });
    return true;
  }

  // ---- manifests and tags ----

  /** Resolves a tag or digest in `name` to the stored manifest. */
  async manifest(name: string, ref: string): Promise<StoredManifest | undefined> {
    let digest: Digest;
    if (isDigest(ref)) digest = ref;
    else {
      const d = (await readText(path.join(this.dir(name, '_tags'), ref)))?.trim();
      if (!d || !isDigest(d)) return undefined;
      digest = d;
    }
    const mediaType = await readText(path.join(this.dir(name, '_manifests'), hexOf(digest)));
    if (mediaType === undefined) return undefined;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.content.path(digest));
    } catch {
      return undefined;
    }
    return { digest, mediaType: mediaType.trim(), bytes };
  }

  /** Stores a manifest's bytes (checked against their digest) and links it, and the tag, into `name`. */
  async putManifest(name: string, bytes: Buffer, mediaType: string, tag?: string): Promise<Digest> {
    const digest = await this.content.put(bytes);
    await this.link(path.join(this.dir(name, '_manifests'), hexOf(digest)), mediaType);
    if (tag !== undefined) await this.link(path.join(this.dir(name, '_tags'), tag), digest);
    return digest;
  }

  async hasManifest(name: string, digest: Digest): Promise<boolean> {
    return exists(path.join(this.dir(name, '_manifests'), hexOf(digest)));
  }

  /** Deletes a manifest from `name`, with every tag naming it; false when it had none. */
  async deleteManifest(name: string, digest: Digest): Promise<boolean> {
    const file = path.join(this.dir(name, '_manifests'), hexOf(digest));
    if (!(await exists(file))) return false;
    for (const t of await this.tagEntries(name)) if (t.digest === digest) await fs.rm(path.join(this.dir(name, '_tags'), t.tag), { force: true });
    await fs.rm(file, { force: true });
    return true;
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    const file = path.join(this.dir(name, '_tags'), tag);
    if (!(await exists(file))) return false;
    await fs.rm(file, { force: true });
    return true;
  }

  private async tagEntries(name: string): Promise<{ tag: string; digest: string }[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir(name, '_tags'));
    } catch {
      return [];
    }
    const out: { tag: string; digest: string }[] = [];
    for (const tag of names) {
      if (!isTag(tag)) continue; // a temp file of an atomic write
      const d = (await readText(path.join(this.dir(name, '_tags'), tag)))?.trim();
      if (d) out.push({ tag, digest: d });
    }
    return out;
  }

  /** Tags of a repository in lexical order; undefined when the repository is unknown. */
  async tags(name: string): Promise<string[] | undefined> {
    if (!(await this.repositoryExists(name))) return undefined;
    return lexical((await this.tagEntries(name)).map((t) => t.tag));
  }

  async repositoryExists(name: string): Promise<boolean> {
    const base = path.join(this.repos, ...name.split('/'));
    return (await exists(path.join(base, '_manifests'))) || (await exists(path.join(base, '_blobs')));
  }

  /** Every repository that holds a manifest, in lexical order (the catalog). */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        if (e.name === '_manifests') {
          if ((await fs.readdir(path.join(dir, e.name))).length > 0) out.push(prefix.join('/'));
        } else if (!e.name.startsWith('_')) await walk(path.join(dir, e.name), [...prefix, e.name]);
      }
    };
    await walk(this.repos, []);
    return lexical(out);
  }
}
