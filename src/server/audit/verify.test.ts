// Tampering tests: a generated 50-line log with 3 checkpoints, edited, cut and reshuffled; verify names the line.
import assert from 'node:assert/strict'
import { createHash, sign } from 'node:crypto'
import { describe, it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { AuditChain, type ChainState, generateSigningKey } from './chain.ts'
import { buildEntry } from './entry.ts'
import { hashEntry } from './hmac.ts'

const SALT = Buffer.from('test-salt')
const signer = generateSigningKey()

/** 47 entries with checkpoints after entries 15, 30 and 45: checkpoint lines 16, 32, 48; 50 lines. */
function makeLog(): { lines: string[]; head: ChainState } {
  const chain = new AuditChain()
  const lines: string[] = []
  for (let n = 1; n <= 47; n++) {
    const type = n % 2 === 1 ? 'request' : 'response'
    const entry = buildEntry({
      type,
      time: `2024-05-01T10:00:${String(n).padStart(2, '0')}.000000000Z`,
      auth: {
        clientToken: `hvs.token${n}`,
        accessor: `acc${n}`,
        policies: ['default'],
        tokenType: 'service',
      },
      request: {
        id: `req-${Math.ceil(n / 2)}`,
        operation: 'read',
        mountType: 'kv',
        path: `secret/data/app${n}`,
      },
      response: { data: { value: `secret-${n}` } },
    })
    lines.push(chain.append(hashEntry(entry, SALT, { hmacAccessor: true, logRaw: false })))
    if (n % 15 === 0) lines.push(chain.checkpoint(signer.privateKey, `2024-05-01T10:01:${n}Z`))
  }
  return { lines, head: chain.state }
}

const text = (lines: string[]) => `${lines.join('\n')}\n`
const check = (lines: string[] | string, head?: ChainState) =>
  verifyAuditLog(
    typeof lines === 'string' ? lines : text(lines),
    signer.publicKeyPem,
    head ? { head: { seq: head.seq, hash: head.prevHash } } : {},
  )
const first = (result: ReturnType<typeof check>) => [result.problems[0]?.kind, result.problems[0]?.line]

describe('an untouched log', () => {
  it('verifies, counting entries, checkpoints and the unsealed tail', () => {
    const { lines, head } = makeLog()
    assert.equal(lines.length, 50)
    const result = check(lines, head)
    assert.deepEqual(result, {
      ok: true,
      entries: 47,
      checkpoints: 3,
      lastCheckpointSeq: 48,
      unsealedEntries: 2,
      unwitnessedEntries: 0,
      resumes: 0,
      problems: [],
    })
  })

  it('accepts an empty file and a file without a final newline', () => {
    assert.equal(check('').ok, true)
    const { lines } = makeLog()
    assert.deepEqual(check(lines.join('\n')).problems, [])
  })
})

describe('tampering', () => {
  it('catches an edited field in a middle line, naming that line', () => {
    const { lines } = makeLog()
    const record = JSON.parse(lines[19]!)
    record.request.path = 'secret/data/innocent'
    lines[19] = JSON.stringify(record)
    const result = check(lines)
    assert.equal(result.ok, false)
    assert.deepEqual(first(result), ['altered', 20])
    assert.equal(result.problems.length, 1)
  })

  it('catches an edited seq or prev_hash field on the edited line itself', () => {
    const { lines } = makeLog()
    lines[9] = lines[9]!.replace('"seq":10,', '"seq":11,')
    assert.deepEqual(first(check(lines)), ['altered', 10])
    const again = makeLog().lines
    again[29] = again[29]!.replace(/"prev_hash":"[0-9a-f]{64}"/, `"prev_hash":"${'ab'.repeat(32)}"`)
    assert.deepEqual(first(check(again)), ['altered', 30])
  })

  it('catches a deleted line', () => {
    const { lines } = makeLog()
    lines.splice(19, 1)
    const result = check(lines)
    assert.deepEqual(first(result), ['removed', 20])
    assert.match(result.problems[0]!.detail, /seq 20 missing/)
    assert.equal(result.problems.length, 1)
  })

  it('catches deleted leading lines', () => {
    const { lines } = makeLog()
    assert.deepEqual(first(check(lines.slice(3))), ['removed', 1])
  })

  it('catches an inserted copy of an earlier line', () => {
    const { lines } = makeLog()
    lines.splice(25, 0, lines[9]!)
    const result = check(lines)
    assert.deepEqual(first(result), ['inserted', 26])
    assert.equal(result.problems.length, 1)
  })

  it('catches a line duplicated right after itself, naming the copy', () => {
    const { lines } = makeLog()
    lines.splice(20, 0, lines[19]!)
    assert.deepEqual(first(check(lines)), ['inserted', 21])
  })

  it('catches a forged line that fits the chain, once the real line claims the same slot', () => {
    const { lines } = makeLog()
    const prevHash = createHash('sha256').update(lines[18]!).digest('hex')
    lines.splice(19, 0, `{"type":"request","forged":true,"seq":20,"prev_hash":"${prevHash}"}`)
    const result = check(lines)
    assert.deepEqual(first(result), ['inserted', 20])
  })

  it('catches two swapped lines', () => {
    const { lines } = makeLog()
    ;[lines[19], lines[20]] = [lines[20]!, lines[19]!]
    const result = check(lines)
    assert.deepEqual(first(result), ['reordered', 20])
    assert.equal(result.problems.length, 1)
  })

  it('catches a line moved far later', () => {
    const { lines } = makeLog()
    const [moved] = lines.splice(9, 1)
    lines.splice(40, 0, moved!)
    assert.deepEqual(first(check(lines)), ['reordered', 10])
  })

  it('tolerates and reports a torn last line (crash mid-write)', () => {
    const { lines } = makeLog()
    const cut = text(lines).length - Math.floor(lines[49]!.length / 2) - 1
    const result = check(text(lines).slice(0, cut))
    assert.equal(result.ok, true)
    assert.deepEqual(
      result.problems.map((p) => [p.kind, p.line]),
      [['torn-last-line', 50]],
    )
    assert.equal(result.entries, 46)
  })

  it('reports a garbled middle line as malformed, not as torn', () => {
    const { lines } = makeLog()
    lines[24] = lines[24]!.slice(0, 40)
    const result = check(lines)
    assert.equal(result.ok, false)
    assert.deepEqual(first(result), ['malformed', 25])
  })

  it('cannot see whole lines cut after the last checkpoint without the head, and names them with it', () => {
    const { lines, head } = makeLog()
    const cut = lines.slice(0, 48)
    const blind = check(cut)
    // The honest limit: the file alone is a valid, shorter log ending on a checkpoint.
    assert.equal(blind.ok, true)
    assert.equal(blind.unsealedEntries, 0)
    const result = check(cut, head)
    assert.equal(result.ok, false)
    assert.deepEqual(first(result), ['truncated-after-checkpoint', 49])
    assert.match(result.problems[0]!.detail, /2 line\(s\) after checkpoint seq 48/)
  })

  it('with the head, a torn last line is the writer’s last seq, not a truncation', () => {
    const { lines, head } = makeLog()
    const torn = `${lines.slice(0, 49).join('\n')}\n${lines[49]!.slice(0, 30)}`
    const result = check(torn, head)
    assert.equal(result.ok, true)
    assert.deepEqual(first(result), ['torn-last-line', 50])
  })

  it('with the head hash, catches an edit of the very last line', () => {
    const { lines, head } = makeLog()
    lines[49] = lines[49]!.replace('secret/data/app47', 'secret/data/app99')
    assert.equal(check(lines).ok, true)
    assert.deepEqual(first(check(lines, head)), ['altered', 50])
  })

  it('catches a forged checkpoint signature', () => {
    const { lines } = makeLog()
    const other = generateSigningKey()
    const record = JSON.parse(lines[31]!)
    // A well-formed signature over the right text, by a key that is not the server's.
    const forged = sign(
      null,
      Buffer.from(`${record.seq}|${record.prev_hash}|${record.time}`),
      other.privateKey,
    )
    lines[31] = JSON.stringify({ ...record, signature: forged.toString('base64') })
    const result = check(lines)
    assert.deepEqual(first(result), ['bad-signature', 32])
    assert.equal(result.checkpoints, 2)
    assert.equal(result.problems.length, 1)
  })

  it('catches a checkpoint whose time was changed after signing', () => {
    const { lines } = makeLog()
    lines[15] = lines[15]!.replace(/"time":"[^"]+"/, '"time":"2030-01-01T00:00:00Z"')
    assert.deepEqual(first(check(lines)), ['bad-signature', 16])
  })

  it('catches an edit whose chain was recomputed to the end at the next checkpoint', () => {
    const { lines } = makeLog()
    let prevHash = '0'.repeat(64)
    const out = lines.map((line, i) => {
      // SHA-256 needs no key, so a forger can re-chain every line after the edit; only signing fails.
      const record = JSON.parse(line)
      if (i === 19) record.request.path = 'secret/data/innocent'
      record.prev_hash = prevHash
      const written = JSON.stringify(record)
      prevHash = createHash('sha256').update(written).digest('hex')
      return written
    })
    const result = verifyAuditLog(text(out), signer.publicKeyPem)
    assert.deepEqual(first(result), ['bad-signature', 32])
    assert.deepEqual(
      result.problems.map((p) => p.line),
      [32, 48],
    )
  })
})

describe('a log given as bytes', () => {
  /** Two entries, the first logging a path that held an undecodable byte (U+FFFD), and a checkpoint. */
  function replacementLog(): Buffer {
    const chain = new AuditChain()
    const lines = [
      chain.append({ type: 'request', request: { path: 'secret/data/caf\uFFFD' } }),
      chain.append({ type: 'response', request: { path: 'secret/data/next' } }),
      chain.checkpoint(signer.privateKey, '2024-05-01T10:02:00Z'),
    ]
    return Buffer.from(text(lines))
  }

  it('catches a U+FFFD swapped for a stray byte, which decodes and hashes as the original', () => {
    const log = replacementLog()
    assert.equal(verifyAuditLog(log, signer.publicKeyPem).ok, true)
    const at = log.indexOf(Buffer.from('\uFFFD'))
    const forged = Buffer.concat([log.subarray(0, at), Buffer.from([0xff]), log.subarray(at + 3)])
    const result = verifyAuditLog(forged, signer.publicKeyPem)
    assert.equal(result.ok, false)
    assert.deepEqual(
      result.problems.map((p) => [p.kind, p.line]),
      [['malformed', 1]],
    )
  })

  it('still tolerates a last line torn inside a multi-byte character', () => {
    const log = replacementLog()
    const checkpointAt = log.lastIndexOf(Buffer.from('\n'), log.length - 2) + 1
    const torn = Buffer.concat([
      log.subarray(0, checkpointAt),
      Buffer.from('{"type":"req\u00e9').subarray(0, -1),
    ])
    const result = verifyAuditLog(torn, signer.publicKeyPem)
    assert.equal(result.ok, true)
    assert.deepEqual(
      result.problems.map((p) => [p.kind, p.line]),
      [['torn-last-line', 3]],
    )
  })
})
