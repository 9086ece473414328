// Preloaded into every test file's process (npm test --import): a file still alive long after its last test fails.
// --test-timeout fails a stuck test, but whatever it left open (a server, a socket) keeps its process and so the
// whole run alive. --test-force-exit would end it, but loses verdicts still in the pipe (nodejs/node#64833).
import { after } from 'node:test'

const GRACE_MS = 60_000

// Only in a test file's own process: the runner process that spawns them has nothing to guard.
if (process.env['NODE_TEST_CONTEXT']?.startsWith('child')) {
  after(() => {
    // Unref'd: a file that ends by itself is never held (or cut short) by this timer.
    setTimeout(() => {
      process.stderr.write(
        `# ${process.argv[1]}: something is still open ${GRACE_MS / 1000} s after its last test; failing the file\n`,
      )
      process.exitCode = 1
      process.exit()
    }, GRACE_MS).unref()
  })
}
