// `run`'s own exit codes (docker/cli toStatusError), from Skiff's structured errors or a message.
import { describe, expect, it } from 'vitest';
import { runFailureCode } from '../../../src/cli/containers.ts';
import { SkiffError } from '../../../src/engine/errors.ts';

describe('runFailureCode', () => {
  it.each([
    [Object.assign(new SkiffError('RUNTIME', 'exec: "x": executable file not found in $PATH'), { exitCode: 127 }), 127],
    [Object.assign(new SkiffError('RUNTIME', 'exec: "/etc/passwd": permission denied'), { exitCode: 126 }), 126],
    [new SkiffError('USAGE', 'invalid argument'), 125],
    [new SkiffError('IMAGE_NOT_FOUND', 'No such image: x'), 125],
    // A system error of the engine itself is the engine's failure, whatever its text says.
    [Object.assign(new Error("ENOENT: no such file or directory, open '/sys/fs/cgroup/x'"), { code: 'ENOENT' }), 125],
    // A daemon's message (no structure): read as docker/cli reads it.
    [new Error('OCI runtime create failed: exec: "nope": executable file not found in $PATH'), 127],
    [new Error('OCI runtime create failed: exec: "/etc": is a directory'), 126],
    [new Error('something else'), 125],
  ])('%s → %d', (e, code) => expect(runFailureCode(e)).toBe(code));
});
