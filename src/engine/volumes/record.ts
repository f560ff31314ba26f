// What Skiff keeps about a volume, and the shape Docker's API shows it in.
//   <dataRoot>/volumes/<name>/_data        the files a container sees at its mount point
//   <dataRoot>/volumes/<name>/volume.json  this record
// Docker's local driver keeps the same `_data` layout (its metadata lives in a BoltDB instead).

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  CreatedAt: string; // RFC 3339, seconds, as Docker prints it
  Labels: Record<string, string>;
  Options: Record<string, string>;
  /** Made for one container (-v /path, an image VOLUME) rather than by name. */
  Anonymous: boolean;
}

/** Docker's GET /volumes/{name}: its fields in Docker's order. */
export interface VolumeView {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  /** Only when asked for (Docker fills it for `system df -v`); -1 means not measured. */
  UsageData?: { Size: number; RefCount: number };
}

/** Docker's CreatedAt: RFC 3339 without fractions of a second. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function toView(r: VolumeRecord, mountpoint: string, usage?: { Size: number; RefCount: number }): VolumeView {
  // Docker sends null, not {}, for a volume created without labels or options.
  const orNull = (m: Record<string, string>) => (Object.keys(m).length > 0 ? m : null);
  return {
    CreatedAt: r.CreatedAt,
    Driver: r.Driver,
    Labels: orNull(r.Labels),
    Mountpoint: mountpoint,
    Name: r.Name,
    Options: orNull(r.Options),
    Scope: 'local',
    ...(usage ? { UsageData: usage } : {}),
  };
}
