// Ends the test run with one plain line, "N passed, N failed, N skipped", that any CI log reader
// understands, after vitest's own report. A suite that failed outside its tests (a beforeAll that
// threw, a file that did not load) counts as failed too: its tests show as skipped, and the
// line must not read green.
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else count.skipped++;
      }
      count.failed += m.errors().length;
      for (const s of m.children.allSuites()) if (s.state() === 'failed' && s.errors().length === 0 && [...s.children.allTests()].every((t) => t.result().state !== 'failed')) count.failed++;
      else count.failed += s.errors().length;
    }
    count.failed += unhandledErrors.length;
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
