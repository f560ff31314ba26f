// One error class for everything the engine reports to a user. Each carries a stable code (for
// tests, the API and lesson hints), a one-line message saying what is wrong, and a hint saying how
// to fix it. The CLI prints `message` and `hint`; it never prints a stack trace for a SkiffError.

export type ErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_DIGEST'
  | 'IMAGE_NOT_FOUND'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NO_MATCHING_PLATFORM'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'TOO_MANY_REQUESTS'
  | 'REGISTRY_ERROR'
  | 'NETWORK'
  | 'UNSAFE_LAYER'
  | 'LAYER_FORMAT'
  | 'CONFLICT'
  | 'STORE'
  | 'IMPORT'
  | 'PERMISSION'
  | 'USAGE'
  | 'CONTAINER_NOT_FOUND'
  | 'EXEC_NOT_FOUND'
  | 'VOLUME_NOT_FOUND'
  | 'NETWORK_NOT_FOUND'
  | 'NOT_RUNNING' // the container must be running for this
  | 'RUNTIME' // the kernel refused a step of making the container
  | 'CGROUP'
  | 'UNSUPPORTED'; // this host cannot do it (no overlay, no cgroup controller...)

export class SkiffError extends Error {
  override readonly name = 'SkiffError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The text a user sees: one line, plus the fix when there is one. */
  describe(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isSkiffError(e: unknown, code?: ErrorCode): e is SkiffError {
  return e instanceof SkiffError && (code === undefined || e.code === code);
}

/** A one-line description of any thrown value, for places that must report and go on. */
export function describeError(e: unknown): string {
  if (e instanceof SkiffError) return e.describe();
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
