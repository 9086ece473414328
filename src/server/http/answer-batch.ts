// Answers leave once per turn of the event loop: every request read in a turn is handled before any answer is written.
//
// Written at once, each answer's write(2) ran between two requests' handling, and on a small host the kernel's
// loopback work in between left the next request's handling to start from cold caches: the request path cost
// two to three times in the server what it costs run back to back in process (docs/performance.md). Queued here
// and written together in the turn's check phase (setImmediate, which runs right after the poll phase that read
// the requests), the handling runs back to back and the writes go out back to back. The answers are the same,
// in the same order per connection (node:http keeps a connection's answers in request order itself); one answer
// waits at most for the rest of the turn's requests to be handled.

type Write = () => void

let queued: Write[] = []

function flush(): void {
  const batch = queued
  queued = []
  for (const write of batch) {
    try {
      write()
    } catch {
      // A write reports its own failure (the listener's logs it and closes that connection); one broken
      // connection must not cost the others queued behind it their answers.
    }
  }
}

/** Write an answer at the end of this turn of the event loop, with the others finished in it. */
export function answerThisTurn(write: Write): void {
  if (queued.length === 0) setImmediate(flush)
  queued.push(write)
}
