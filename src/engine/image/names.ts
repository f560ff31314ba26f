// Pure rules for the names in the image index (store/image-index.ts), matching Docker:
//  - A name points at exactly one image. Naming a new image takes the name away from the old one.
//  - An image that loses its last name but is still in the store becomes dangling (<none>:<none>),
//    kept until `image prune` — what `docker pull` does when a tag moves to a newer image.
//  - Removing a name (`rmi name`) deletes the image when that was its last name (no dangling).
import { BUILD_INTERMEDIATE, CREATED, IMAGE_ID, type IndexEntry, REF_NAME } from '../store/image-index.ts';

export function nameOf(e: IndexEntry): string | undefined {
  return e.annotations[REF_NAME];
}

export function imageIdOf(e: IndexEntry): string {
  return e.annotations[IMAGE_ID] ?? e.digest;
}

/** Gives `name` to `entry`; a previous holder of the name is left dangling if nothing else names it. */
export function setName(entries: readonly IndexEntry[], name: string, entry: IndexEntry): IndexEntry[] {
  const id = imageIdOf(entry);
  const previous = entries.find((e) => nameOf(e) === name);
  let out = entries.filter((e) => nameOf(e) !== name && !(nameOf(e) === undefined && imageIdOf(e) === id));
  out.push({ ...entry, annotations: { ...entry.annotations, [REF_NAME]: name } });
  if (previous && imageIdOf(previous) !== id && !out.some((e) => imageIdOf(e) === imageIdOf(previous))) {
    const { [REF_NAME]: _dropped, ...rest } = previous.annotations;
    out = [...out, { ...previous, annotations: rest }];
  }
  return out;
}

/** Removes a name. The image goes with it when nothing else names it (Docker: "Untagged" then "Deleted"). */
export function removeName(entries: readonly IndexEntry[], name: string): { entries: IndexEntry[]; untagged?: IndexEntry; deletedImage?: string } {
  const hit = entries.find((e) => nameOf(e) === name);
  if (!hit) return { entries: [...entries] };
  const out = entries.filter((e) => e !== hit);
  const id = imageIdOf(hit);
  return { entries: out, untagged: hit, deletedImage: out.some((e) => imageIdOf(e) === id) ? undefined : id };
}

/** Removes every entry of an image (rmi by ID, with force when it has several names). */
export function removeImage(entries: readonly IndexEntry[], id: string): { entries: IndexEntry[]; untagged: string[] } {
  const untagged = entries.filter((e) => imageIdOf(e) === id).map(nameOf).filter((n): n is string => n !== undefined);
  return { entries: entries.filter((e) => imageIdOf(e) !== id), untagged };
}

export function danglingIds(entries: readonly IndexEntry[]): string[] {
  const named = new Set(entries.filter((e) => nameOf(e) !== undefined).map(imageIdOf));
  return [...new Set(entries.filter((e) => nameOf(e) === undefined).map(imageIdOf))].filter((id) => !named.has(id));
}

export function createdOf(e: IndexEntry): string | undefined {
  return e.annotations[CREATED];
}

/** A build step's image, not a build's result (every entry unnamed and marked): `images` hides it. */
export function isIntermediate(entries: readonly IndexEntry[]): boolean {
  return entries.length > 0 && entries.every((e) => nameOf(e) === undefined && e.annotations[BUILD_INTERMEDIATE] === 'true');
}
