import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errorBody, RegistryError } from '../../../src/registry/errors.ts';
import { parseErrorBody } from '../../../src/engine/registry/challenge.ts';

describe('registry error shapes', () => {
  it('codes carry the spec\'s statuses', () => {
    expect(new RegistryError('MANIFEST_UNKNOWN').status).toBe(404);
    expect(new RegistryError('BLOB_UNKNOWN').status).toBe(404);
    expect(new RegistryError('NAME_INVALID').status).toBe(400);
    expect(new RegistryError('DIGEST_INVALID').status).toBe(400);
    expect(new RegistryError('UNAUTHORIZED').status).toBe(401);
    expect(new RegistryError('DENIED').status).toBe(403);
    expect(new RegistryError('UNSUPPORTED').status).toBe(405);
    expect(new RegistryError('BLOB_UPLOAD_INVALID', 'x', undefined, { status: 416 }).status).toBe(416);
  });

  it('the body is {"errors":[{code,message,detail}]} and reads back with the client\'s parser', () => {
    const body = errorBody([{ code: 'MANIFEST_UNKNOWN', message: ERROR_CODES.MANIFEST_UNKNOWN.message, detail: { name: 'a', reference: 'v1' } }]);
    expect(JSON.parse(body)).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { name: 'a', reference: 'v1' } }] });
    expect(parseErrorBody(body)).toEqual([{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { name: 'a', reference: 'v1' } }]);
    expect(JSON.parse(errorBody([{ code: 'UNAUTHORIZED', message: 'authentication required' }]))).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  });
});
