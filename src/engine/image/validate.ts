// Manifests and configs come from the network: check their shape before trusting any field, so a
// broken or hostile registry produces one clear error instead of a crash deep inside a pull.
import { isDigest } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import type { Descriptor, ImageConfig, ImageManifest } from '../oci.ts';

function bad(what: string, ref: string): SkiffError {
  return new SkiffError('MANIFEST_INVALID', `${ref}: ${what}`, 'the registry is serving a broken or unsupported image');
}

function json(bytes: Uint8Array, what: string, ref: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad(`the ${what} is not valid JSON`, ref);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`the ${what} is not a JSON object`, ref);
  return v as Record<string, unknown>;
}

export function checkDescriptor(d: unknown, what: string, ref: string): Descriptor {
  const o = d as Partial<Descriptor> | null;
  if (typeof o !== 'object' || o === null) throw bad(`${what} is missing`, ref);
  if (typeof o.digest !== 'string' || !isDigest(o.digest)) throw bad(`${what} has an invalid digest ${JSON.stringify(o.digest)}`, ref);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw bad(`${what} has an invalid size`, ref);
  if (typeof o.mediaType !== 'string') throw bad(`${what} has no media type`, ref);
  return o as Descriptor;
}

export function parseManifest(bytes: Uint8Array, ref: string): ImageManifest {
  const m = json(bytes, 'manifest', ref);
  if (m.schemaVersion !== 2) throw bad(`manifest schemaVersion ${String(m.schemaVersion)} is not supported (only 2)`, ref);
  checkDescriptor(m.config, 'the manifest config', ref);
  if (!Array.isArray(m.layers)) throw bad('the manifest has no layers list', ref);
  m.layers.forEach((l, i) => checkDescriptor(l, `layer ${i + 1}`, ref));
  return m as unknown as ImageManifest;
}

export function parseConfig(bytes: Uint8Array, ref: string): ImageConfig {
  const c = json(bytes, 'image config', ref);
  const rootfs = c.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) throw bad('the image config has no rootfs.diff_ids', ref);
  for (const d of rootfs.diff_ids) if (typeof d !== 'string' || !isDigest(d)) throw bad(`the image config has an invalid DiffID ${JSON.stringify(d)}`, ref);
  if (typeof c.architecture !== 'string' || typeof c.os !== 'string') throw bad('the image config has no os/architecture', ref);
  return c as unknown as ImageConfig;
}
