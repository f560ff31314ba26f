// The registry's errors, as the distribution API sends them (distribution-spec spec.md, "Error
// Codes"; distribution registry/api/errcode): an HTTP status and a body
//   {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{...}}]}
// Clients (docker, skopeo, containerd) switch on `code`, so the codes and statuses are the spec's.

export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'The operation is unsupported.' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  RANGE_INVALID: { status: 416, message: 'requested range not satisfiable' },
  UNKNOWN: { status: 500, message: 'unknown error' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
} as const;

export type RegistryErrorCode = keyof typeof ERROR_CODES;

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly status: number;

  constructor(
    readonly code: RegistryErrorCode,
    message?: string,
    readonly detail?: unknown,
    opts: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.headers = opts.headers ?? {};
  }

  readonly headers: Record<string, string>;
}

/** The JSON body of an error answer. */
export function errorBody(errors: { code: RegistryErrorCode; message: string; detail?: unknown }[]): string {
  return JSON.stringify({ errors: errors.map((e) => ({ code: e.code, message: e.message, ...(e.detail !== undefined ? { detail: e.detail } : {}) })) });
}
