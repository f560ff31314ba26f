// The names → manifests index. It *is* the OCI layout's index.json: one descriptor per image Skiff
// keeps, pointing at the image manifest, with the reference in the standard annotation
// `org.opencontainers.image.ref.name` — so `skopeo copy oci:<root>/oci:<name> ...` finds it.
// Skiff's own facts ride along in `io.skiff.*` annotations. An entry without a name is a dangling
// image (`<none>:<none>`), kept until `image prune` like Docker does when a tag moves on.
import path from 'node:path';
import type { Digest } from '../digest.ts';
import { readJsonFile, writeFileAtomic } from './atomic.ts';
import { FileLock } from './lock.ts';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const IMAGE_ID = 'io.skiff.image.id'; // config digest: Docker's image ID
export const REPO_DIGEST = 'io.skiff.repo.digest'; // what the registry named it by (index or manifest digest)
export const CREATED = 'io.skiff.created'; // when this name was set, RFC 3339
export const SOURCE_MANIFEST = 'io.skiff.source.manifest'; // the registry's manifest, when index.json lists its OCI form
export const BUILD_CACHE_KEY = 'io.skiff.build.cache-key'; // the build step that made it (build/cache.ts)
export const BUILD_INTERMEDIATE = 'io.skiff.build.intermediate'; // a build step's image, not its result: `images` hides it

export interface IndexEntry {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations: Record<string, string>;
}

interface IndexFile {
  schemaVersion: 2;
  mediaType?: string;
  manifests: IndexEntry[];
}

export class ImageIndex {
  private readonly file: string;
  private readonly lock: FileLock;

  constructor(layoutRoot: string, dataRoot: string) {
    this.file = path.join(layoutRoot, 'index.json');
    this.lock = new FileLock(path.join(dataRoot, 'index.lock'));
  }

  async entries(): Promise<IndexEntry[]> {
    const f = await readJsonFile<IndexFile>(this.file);
    return f?.manifests ?? [];
  }

  /** Read-modify-write under the data root's lock; `fn` returns the new entry list. */
  async update<T>(fn: (entries: IndexEntry[]) => { entries: IndexEntry[]; result: T } | Promise<{ entries: IndexEntry[]; result: T }>): Promise<T> {
    return this.lock.run(async () => {
      const { entries, result } = await fn(await this.entries());
      const body: IndexFile = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries };
      await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n');
      return result;
    });
  }

  /** Runs `fn` under the same lock without rewriting the index (garbage collection). */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }
}
