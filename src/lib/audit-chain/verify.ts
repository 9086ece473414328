// Verifies a chained audit log (format.ts) and names the first line that was altered, removed, inserted or moved.
import { isUtf8 } from 'node:buffer'
import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { CHECKPOINT_TYPE, type ChainState, checkpointSignedText, GENESIS_HASH, lineHash } from './format.ts'
import { SeqIndex } from './seq-index.ts'

/*
 * What this can and cannot prove, from the file and the public key alone:
 * - DETECTED anywhere before the last line: an edited line (the next line's prev_hash no longer matches,
 *   or its own seq/prev_hash/JSON is broken), a deleted line (seq gap), an inserted line (a seq that goes
 *   back, or a second line claiming a slot), lines swapped or moved (a gap whose missing seq turns up
 *   elsewhere), a malformed line.
 * - DETECTED via signatures: a forged or edited checkpoint; and a rewrite that recomputes every hash
 *   after an edit (SHA-256 needs no key) is caught at the next checkpoint, whose signed prev_hash no
 *   longer matches — reported as bad-signature on that checkpoint, since the edited line itself then
 *   looks consistent.
 * - TOLERATED: a torn (unparseable, newline-less) last line, as a crash mid-write leaves; reported as
 *   torn-last-line, and `ok` stays true. Likewise such a fragment once the writer continued the file: it is
 *   ended with a newline and followed at once by a valid resume checkpoint chaining to the line before it
 *   (torn-line); a line slipped in has no such signed checkpoint after it, and stays malformed.
 * - RESUMES: a server continuing a file that did not end with its own checkpoint writes a resume checkpoint
 *   first; the entries between the checkpoint before it and the resume were not seen written by that server
 *   (a crash after them, or lines added while it was down), and no signature vouches for them: they are
 *   counted in `unwitnessedEntries`, and `ok` does not change.
 * - NOT DETECTABLE from the file alone: removing or rewriting lines after the last checkpoint (the
 *   "unsealed tail", counted in `unsealedEntries`), including cutting the file just after a checkpoint,
 *   or cutting off the last checkpoint and everything after it; and an edit of the very last line.
 *   Pass `head` (the writer's ChainState, e.g. from the server or a later rotated file's first line)
 *   to detect these: a shorter file is reported as truncated-after-checkpoint at the first missing
 *   line, a different last-line hash as altered.
 * - A verified chain says nothing about entries the server never wrote; only the writer is trusted.
 */

export type ProblemKind =
  | 'altered'
  | 'removed'
  | 'inserted'
  | 'reordered'
  | 'bad-signature'
  | 'torn-last-line'
  | 'torn-line'
  | 'truncated-after-checkpoint'
  | 'malformed'

export interface VerifyProblem {
  /** 1-based line number in the file; for removals and truncation, where the missing line(s) belong. */
  line: number
  kind: ProblemKind
  detail: string
}

export interface VerifyResult {
  /** True when nothing but torn lines (the last, or one resumed after) was found. */
  ok: boolean
  /** Entry (non-checkpoint) lines that parsed. */
  entries: number
  /** Checkpoints whose signature verified. */
  checkpoints: number
  lastCheckpointSeq: number | null
  /** Entries after the last valid checkpoint: chained, but their removal cannot be seen without `head`. */
  unsealedEntries: number
  /** Entries just before a resume checkpoint, after the checkpoint before it: no signature vouches for them. */
  unwitnessedEntries: number
  /** Valid resume checkpoints: the writer continued the file after a crash or with lines it had not written. */
  resumes: number
  /** In file order; problems[0] is the first problem line. */
  problems: VerifyProblem[]
}

export interface VerifyOptions {
  /** Chain state before the file's first line; default genesis. Pass the previous file's end for a rotated log. */
  start?: ChainState
  /** The writer's state after its last line (seq, and optionally that line's hash) to detect tail truncation. */
  head?: { seq: number; hash?: string }
}

interface Line {
  lineNo: number
  text: string
  hash: string
  seq: number
  prevHash: string
  /** Only what checkpoints need: keeping every parsed entry would hold several times the file in memory. */
  checkpoint: { time: unknown; signature: unknown; resumed: boolean } | null
}

/** `whole`: the line is complete JSON, so it cannot be a prefix left by a crash mid-write. */
type Parsed = Line | { lineNo: number; text: string; error: string; whole?: true }

/**
 * Pass a file's bytes rather than its decoded text: decoding replaces every invalid UTF-8 sequence with U+FFFD,
 * so a line whose U+FFFD was swapped for a stray byte would decode (and hash) exactly as the writer's line did.
 */
export function verifyAuditLog(
  log: string | Uint8Array,
  publicKeyPem: string,
  options: VerifyOptions = {},
): VerifyResult {
  const key = createPublicKey(publicKeyPem)
  const text =
    typeof log === 'string' ? log : Buffer.from(log.buffer, log.byteOffset, log.length).toString('utf8')
  const badUtf8 = typeof log === 'string' || isUtf8(log) ? new Set<number>() : linesNotUtf8(log)
  const problems: VerifyProblem[] = []
  const reported = new Set<number>()
  const report = (line: number, kind: ProblemKind, detail: string) => {
    if (reported.has(line)) return
    reported.add(line)
    problems.push({ line, kind, detail })
  }

  const rawLines = text === '' ? [] : text.split('\n')
  const endsWithNewline = text.endsWith('\n')
  if (endsWithNewline) rawLines.pop()
  const lines: Parsed[] = rawLines.map((raw, i) => parseLine(raw, i + 1, badUtf8.has(i + 1)))
  const last = lines.at(-1)
  let torn = false
  if (last !== undefined && 'error' in last && last.whole === undefined && !endsWithNewline) {
    // A crash mid-write leaves a prefix of a line with no newline; the lines before it are intact.
    lines.pop()
    torn = true
    report(last.lineNo, 'torn-last-line', `incomplete last line (${last.text.length} bytes) ignored`)
  }

  const start = options.start ?? { seq: 0, prevHash: GENESIS_HASH }
  const seqIndex = new SeqIndex(lines)
  let nextSeq = start.seq + 1
  let expectedPrev = start.prevHash
  let accepted = null as Line | null
  let entries = 0
  let checkpoints = 0
  let lastCheckpointSeq: number | null = null
  let unsealedEntries = 0
  let unwitnessedEntries = 0
  let resumes = 0
  // Seqs already reported as moved: met again later, they are skipped (or replayed) without a second report.
  const movedLater = new Set<number>()
  const movedEarlier = new Map<number, Line>()

  const accept = (line: Line, seq: number) => {
    nextSeq = seq + 1
    expectedPrev = line.hash
    accepted = line
  }

  for (let i = 0; i < lines.length; i++) {
    const p = lines[i]!
    if ('error' in p) {
      if (isResumedFragment(p, lines[i + 1], nextSeq, expectedPrev, key)) {
        // The writer skipped it: the chain goes on from the line before, as the resume checkpoint signs.
        report(
          p.lineNo,
          'torn-line',
          `incomplete line (${p.text.length} bytes) a crash left; resumed after it`,
        )
        continue
      }
      report(p.lineNo, 'malformed', p.error)
      nextSeq++
      expectedPrev = lineHash(p.text)
      accepted = null
      continue
    }
    if (p.checkpoint !== null) {
      if (checkCheckpoint(p, key)) {
        checkpoints++
        lastCheckpointSeq = p.seq
        if (p.checkpoint.resumed) {
          resumes++
          unwitnessedEntries += unsealedEntries
        }
        unsealedEntries = 0
      } else {
        report(p.lineNo, 'bad-signature', `checkpoint seq ${p.seq}: signature does not verify`)
      }
    } else {
      entries++
      unsealedEntries++
    }
    // A line reported as moved earlier sits out of place; replay it when the chain reaches its slot.
    let moved = movedEarlier.get(nextSeq)
    while (moved !== undefined && moved.prevHash === expectedPrev) {
      movedEarlier.delete(nextSeq)
      accept(moved, moved.seq)
      moved = movedEarlier.get(nextSeq)
    }
    if (movedLater.delete(p.seq)) continue

    const next = lines[i + 1]
    const nextLine = next !== undefined && !('error' in next) ? next : undefined
    const continuesFromBefore =
      nextLine !== undefined && nextLine.seq === nextSeq && nextLine.prevHash === expectedPrev

    if (p.seq === nextSeq && p.prevHash === expectedPrev) {
      accept(p, p.seq)
    } else if (p.seq === nextSeq) {
      // Either the previous line's bytes changed (its hash moved) or this line's prev_hash was edited;
      // in the second case the following line does not chain to this one either.
      const selfEdited = nextLine !== undefined && nextLine.prevHash !== p.hash
      const prevLine: Line | null = accepted
      if (selfEdited || prevLine === null) {
        report(p.lineNo, 'altered', `seq ${p.seq}: prev_hash does not match the line before`)
      } else {
        report(
          prevLine.lineNo,
          'altered',
          `seq ${prevLine.seq}: content changed (hash no longer matches seq ${p.seq}'s prev_hash)`,
        )
      }
      accept(p, p.seq)
    } else if (p.prevHash === expectedPrev) {
      report(p.lineNo, 'altered', `seq field is ${p.seq} where ${nextSeq} was expected`)
      accept(p, nextSeq)
    } else if (p.seq > nextSeq) {
      const missing = `seq ${nextSeq}${p.seq - 1 > nextSeq ? `..${p.seq - 1}` : ''}`
      if (continuesFromBefore) {
        report(p.lineNo, 'reordered', `seq ${p.seq} appears before ${missing}`)
        movedEarlier.set(p.seq, p)
        continue
      }
      const later = seqIndex.laterSeqsIn(i + 1, nextSeq, p.seq)
      if (later.length > 0) {
        report(p.lineNo, 'reordered', `seq ${later.join(', ')} appear after seq ${p.seq}`)
        for (const seq of later) movedLater.add(seq)
      } else {
        report(p.lineNo, 'removed', `${missing} missing before this line`)
      }
      accept(p, p.seq)
    } else {
      const prevLine: Line | null = accepted
      const forkedPrevious =
        prevLine !== null &&
        prevLine.seq === p.seq &&
        prevLine.prevHash === p.prevHash &&
        prevLine.text !== p.text &&
        (nextLine === undefined || nextLine.prevHash === p.hash)
      if (forkedPrevious) {
        // Two lines claim one slot and the chain continues from this one: the earlier was slipped in.
        report(
          prevLine.lineNo,
          'inserted',
          `seq ${prevLine.seq} is claimed twice; the chain continues from line ${p.lineNo}`,
        )
        accept(p, p.seq)
      } else {
        report(p.lineNo, 'inserted', `seq ${p.seq} does not belong after seq ${nextSeq - 1}`)
      }
    }
  }

  const lastLine = [...lines].reverse().find((l): l is Line => !('error' in l))
  const lastSeq = nextSeq - 1
  const head = options.head
  if (head !== undefined) {
    // A torn last line was the writer's next seq: the writer counted it, the disk kept half of it.
    const writtenTo = torn ? lastSeq + 1 : lastSeq
    const where = (lines.at(-1)?.lineNo ?? 0) + 1
    if (head.seq > writtenTo) {
      report(
        where,
        'truncated-after-checkpoint',
        `log ends at seq ${lastSeq} but the writer reached seq ${head.seq}; ${head.seq - writtenTo} line(s) ` +
          `after ${lastCheckpointSeq === null ? 'the start' : `checkpoint seq ${lastCheckpointSeq}`} are missing`,
      )
    } else if (head.seq === lastSeq && head.hash !== undefined && lastLine && head.hash !== lastLine.hash) {
      report(lastLine.lineNo, 'altered', `seq ${lastSeq}: hash differs from the writer's head hash`)
    } else if (head.seq < lastSeq) {
      const extra = lines.find((l): l is Line => !('error' in l) && l.seq > head.seq)
      if (extra)
        report(extra.lineNo, 'inserted', `seq ${extra.seq} is beyond the writer's head seq ${head.seq}`)
    }
  }

  problems.sort((a, b) => a.line - b.line)
  return {
    ok: problems.every((problem) => problem.kind === 'torn-last-line' || problem.kind === 'torn-line'),
    entries,
    checkpoints,
    lastCheckpointSeq,
    unsealedEntries,
    unwitnessedEntries,
    resumes,
    problems,
  }
}

function parseLine(text: string, lineNo: number, badUtf8: boolean): Parsed {
  let record: unknown
  try {
    record = JSON.parse(text)
  } catch {
    return { lineNo, text, error: badUtf8 ? 'not valid UTF-8 JSON' : 'not valid JSON' }
  }
  // The writer only writes UTF-8; these bytes are not the ones it hashed, whatever their decoded text hashes to.
  if (badUtf8) return { lineNo, text, error: 'not valid UTF-8', whole: true }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { lineNo, text, error: 'not a JSON object' }
  }
  const fields = record as Record<string, unknown>
  const seq = fields['seq']
  const prevHash = fields['prev_hash']
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return { lineNo, text, error: 'missing or invalid seq' }
  }
  if (typeof prevHash !== 'string' || !/^[0-9a-f]{64}$/.test(prevHash)) {
    return { lineNo, text, error: 'missing or invalid prev_hash' }
  }
  const checkpoint =
    fields['type'] === CHECKPOINT_TYPE
      ? { time: fields['time'], signature: fields['signature'], resumed: fields['resumed'] === true }
      : null
  return { lineNo, text, hash: lineHash(text), seq, prevHash, checkpoint }
}

/**
 * A line a crash cut short (not JSON: a prefix of a line never is), directly followed by a resume checkpoint, signed
 * by the writer, that takes the chain's next slot from the line before the fragment.
 */
function isResumedFragment(
  fragment: Exclude<Parsed, Line>,
  next: Parsed | undefined,
  nextSeq: number,
  expectedPrev: string,
  key: KeyObject,
): boolean {
  if (fragment.whole !== undefined || fragment.error !== 'not valid JSON') return false
  if (next === undefined || 'error' in next || next.checkpoint?.resumed !== true) return false
  return next.seq === nextSeq && next.prevHash === expectedPrev && checkCheckpoint(next, key)
}

function checkCheckpoint(line: Line, key: KeyObject): boolean {
  const { time, signature, resumed } = line.checkpoint ?? {}
  if (typeof time !== 'string' || typeof signature !== 'string') return false
  const signed = Buffer.from(checkpointSignedText(line.seq, line.prevHash, time, resumed === true))
  try {
    return verify(null, signed, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

/** 1-based numbers of the lines (split at each newline byte) that are not valid UTF-8. */
function linesNotUtf8(bytes: Uint8Array): Set<number> {
  const bad = new Set<number>()
  let start = 0
  for (let lineNo = 1; start <= bytes.length; lineNo++) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    if (!isUtf8(bytes.subarray(start, end))) bad.add(lineNo)
    start = end + 1
  }
  return bad
}
