// Work kept for the end of the event loop's turn: first records that answers wait on (audit lines), then the answers.
//
// Answers leave once per turn: every request read in a turn is handled before any answer is written. Written at
// once, each answer's write(2) ran between two requests' handling, and on a small host the kernel's loopback work
// in between left the next request's handling to start from cold caches: the request path cost two to three
// times in the server what it costs run back to back in process (docs/performance.md). Queued here and written
// together in the turn's check phase (setImmediate runs right after the poll phase that read the requests), the
// handling runs back to back and the writes go out back to back; node:http keeps each connection's answers in
// request order itself.
//
// An audited request's answer waits for its audit lines to be written. Those are written first, in the same
// check phase, and the answers of the requests they release (which resume in the microtasks that follow) join
// the same batch: the batch is written only once those microtasks have run. Without this, audited answers would
// always wait a further turn and leave in a batch of their own.

type Work = () => void

let records: Work[] = []
let answers: Work[] = []
let scheduled = false

function schedule(): void {
  if (scheduled) return
  scheduled = true
  setImmediate(endTurn)
}

function writeAnswers(): void {
  const batch = answers
  answers = []
  for (const write of batch) {
    try {
      write()
    } catch {
      // A write reports its own failure (the listener logs it and closes that connection); one broken
      // connection must not cost the others queued behind it their answers.
    }
  }
}

function endTurn(): void {
  scheduled = false
  const written = records
  records = []
  if (written.length === 0) {
    writeAnswers()
    return
  }
  // A record writer that throws is a bug to surface, as it was when each scheduled its own immediate.
  for (const write of written) write()
  // A tick queued from a microtask runs once every microtask queued so far, and every one those queue, has run:
  // the requests those records released have then finished and queued their answers.
  queueMicrotask(() => process.nextTick(writeAnswers))
}

/** Write records (audit lines) at the end of this turn, before its answers. */
export function recordThisTurn(write: Work): void {
  records.push(write)
  schedule()
}

/** Write an answer at the end of this turn of the event loop, with the others finished in it. */
export function answerThisTurn(write: Work): void {
  answers.push(write)
  schedule()
}
