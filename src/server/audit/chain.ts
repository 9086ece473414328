// Hash chain and signed checkpoints that make an audit log tamper-evident (beyond Vault, which has neither).
import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import {
  CHECKPOINT_TYPE,
  type ChainState,
  checkpointSignedText,
  GENESIS_HASH,
  lineHash,
} from '../../lib/audit-chain/format.ts'
import { sha256Hex } from '../../lib/hash.ts'
import type { LineBatch } from './devices/device.ts'
import { encodedText, type LinePart } from './line-part.ts'

// The line format and the pure helpers live in lib so the CLI's verifier shares them; re-exported for the broker.
export { type ChainState, checkpointSignedText, GENESIS_HASH } from '../../lib/audit-chain/format.ts'

/** The chain members appendOpen splices in, around their values, as bytes for appendOpenParts. */
const SEQ_NAME = encodedText(',"seq":')
const PREV_HASH_NAME = encodedText(',"prev_hash":"')
const LINE_END = encodedText('"}')

export class AuditChain {
  #seq: number
  #prevHash: string

  /** Pass the state persisted at shutdown (or read back from the file's last line) to continue a chain. */
  constructor(state: ChainState = { seq: 0, prevHash: GENESIS_HASH }) {
    if (!Number.isSafeInteger(state.seq) || state.seq < 0) throw new Error('chain state seq must be >= 0')
    if (!/^[0-9a-f]{64}$/.test(state.prevHash)) throw new Error('chain state prevHash must be 64 hex digits')
    this.#seq = state.seq
    this.#prevHash = state.prevHash
  }

  get state(): ChainState {
    return { seq: this.#seq, prevHash: this.#prevHash }
  }

  /** One JSON line (no newline) for `entry`, chained to the previous line. */
  append(entry: object): string {
    if ('seq' in entry || 'prev_hash' in entry) throw new Error('audit entry must not carry seq or prev_hash')
    return this.appendJson(JSON.stringify(entry))
  }

  /**
   * Like append, for an entry the caller serialised itself (the broker splices a request's two lines). With
   * `batch`, the line is also encoded into it and hashed from those bytes (the same hash: the UTF-8 of the text).
   */
  appendJson(json: string, batch?: LineBatch): string {
    if (json === undefined || !json.startsWith('{') || !json.endsWith('}'))
      throw new Error('audit entry must be a JSON object')
    const seq = this.#seq + 1
    // Splicing before the closing brace avoids building a second object on the hot path.
    const chained = `,"seq":${seq},"prev_hash":"${this.#prevHash}"}`
    const line = json === '{}' ? `{${chained.slice(1)}` : json.slice(0, -1) + chained
    return this.#advance(seq, line, batch)
  }

  /**
   * Like appendJson for an entry given as its JSON text without the closing brace (`{"time":…,"response":{…}`,
   * at least one member): the chain members and the brace are added in one concatenation, so the hot path makes
   * no sliced copy of the line before encoding it. The caller guarantees the shape (the broker's openEntryText):
   * checking it here would flatten the caller's concatenated string, one more copy of the line per entry.
   */
  appendOpen(open: string, batch?: LineBatch): string {
    const seq = this.#seq + 1
    return this.#advance(seq, `${open},"seq":${seq},"prev_hash":"${this.#prevHash}"}`, batch)
  }

  /**
   * appendOpen for the text given as parts (LineBatch.pushParts), encoded straight into `batch`: remembered parts'
   * bytes are copied, and no string of the whole line is made. The line's bytes are those appendOpen writes for
   * the parts joined, so the chain is the same.
   */
  appendOpenParts(parts: readonly LinePart[], batch: LineBatch): void {
    const seq = this.#seq + 1
    // The members' names as bytes and their values as flat strings: no concatenated tail to flatten and encode.
    const bytes = batch.pushParts(parts, [SEQ_NAME, String(seq), PREV_HASH_NAME, this.#prevHash, LINE_END])
    this.#prevHash = sha256Hex(bytes)
    this.#seq = seq
  }

  /**
   * A signed, chained line committing to every line before it (through prev_hash); `batch` as for appendJson.
   * `resumed`: the first line after continuing a file that did not end with this writer's checkpoint (format.ts).
   */
  checkpoint(privateKey: KeyObject, time: string, batch?: LineBatch, resumed = false): string {
    const seq = this.#seq + 1
    const prevHash = this.#prevHash
    const signature = sign(null, Buffer.from(checkpointSignedText(seq, prevHash, time, resumed)), privateKey)
    const line = JSON.stringify({
      type: CHECKPOINT_TYPE,
      seq,
      prev_hash: prevHash,
      time,
      ...(resumed ? { resumed: true } : {}),
      signature: signature.toString('base64'),
    })
    return this.#advance(seq, line, batch)
  }

  #advance(seq: number, line: string, batch: LineBatch | undefined): string {
    // JSON.stringify never yields a lone surrogate, so the line's UTF-8 is exactly what lineHash would hash.
    const prevHash = batch === undefined ? lineHash(line) : sha256Hex(batch.push(line))
    this.#seq = seq
    this.#prevHash = prevHash
    return line
  }
}

/** A fresh Ed25519 key pair; the private key lives in the barrier, the PEM is served to verifiers. */
export function generateSigningKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

/** A chain continued from a file: its state, and its last line's text when short enough to be a checkpoint. */
export interface ResumedChain extends ChainState {
  lastLine?: string
  /** With lastLine: the hash of the line before it, which a genuine checkpoint there carries as prev_hash. */
  previousLineHash?: string
  /** The file ends with bytes after its last newline: a line a crash cut short, which the chain skips. */
  torn?: boolean
}

/**
 * Whether `line` is a checkpoint `publicKey` signed: a file that ends with one was closed by its writer (or checkpointed
 * just before a crash), so nothing after the signed chain needs a resume checkpoint.
 */
export function isSignedCheckpoint(
  line: string | undefined,
  publicKey: KeyObject,
  previousLineHash?: string,
): boolean {
  if (line === undefined) return false
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return false
  }
  const { type, seq, prev_hash: prevHash, time, signature, resumed } = record
  if (type !== CHECKPOINT_TYPE || typeof seq !== 'number' || typeof prevHash !== 'string') return false
  // A genuine checkpoint copied to the end of the file signs some other line's hash, not the one before it.
  if (previousLineHash !== undefined && prevHash !== previousLineHash) return false
  if (typeof time !== 'string' || typeof signature !== 'string') return false
  const signed = Buffer.from(checkpointSignedText(seq, prevHash, time, resumed === true))
  try {
    return verify(null, signed, publicKey, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

const CHUNK = 1024 * 1024
/** An entry line ends with the members appendJson splices in; read from its last bytes when the line is long. */
const ENTRY_TAIL = /"seq":(\d+),"prev_hash":"[0-9a-f]{64}"\}$/

/**
 * Continue the chain of an existing log file from its last complete line; a new chain if there is none.
 * The line may be far longer than any buffer worth holding (an entry grows with its request, up to
 * max_request_size times HMAC's expansion), so it is found and hashed in 1 MiB chunks: reading only a fixed
 * window would miss its start and quietly begin a new chain, breaking verification at the restart.
 */
export function resumeChainState(filePath: string): ResumedChain | undefined {
  let fd: number
  try {
    fd = openSync(filePath, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fstatSync(fd).size
    // `end` is the newline closing the last complete line (a torn tail after it is ignored).
    const end = lastNewline(fd, size)
    // Only said when so: a whole file's state reads as before.
    const torn = size > end + 1 ? { torn: true } : {}
    // Nothing complete but a fragment: a new chain, which still has to say the fragment is not its own.
    if (end <= 0) return size > end + 1 ? { seq: 0, prevHash: GENESIS_HASH, torn: true } : undefined
    const start = lastNewline(fd, end) + 1
    const length = end - start
    if (length <= CHUNK) {
      const line = readRange(fd, start, length).toString('utf8')
      const seq = (JSON.parse(line) as { seq?: unknown }).seq
      if (typeof seq !== 'number') return undefined
      // The line before it, for a checkpoint's prev_hash to be checked against (none when it is the first line).
      const previous =
        start > 0 ? { previousLineHash: hashRange(fd, lastNewline(fd, start - 1) + 1, start - 1) } : {}
      return { seq, prevHash: sha256Hex(line), lastLine: line, ...previous, ...torn }
    }
    // Long lines are entries (checkpoints are short), whose seq is in their last bytes.
    const match = ENTRY_TAIL.exec(readRange(fd, end - 256, 256).toString('utf8'))
    if (!match) return undefined
    return { seq: Number(match[1]), prevHash: hashRange(fd, start, end), ...torn }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** SHA-256 hex of the bytes [start, end) of the file, read in 1 MiB chunks. */
function hashRange(fd: number, start: number, end: number): string {
  const hash = createHash('sha256')
  for (let offset = start; offset < end; offset += CHUNK)
    hash.update(readRange(fd, offset, Math.min(CHUNK, end - offset)))
  return hash.digest('hex')
}

/** The offset of the last newline before `before`, or -1 when there is none. */
function lastNewline(fd: number, before: number): number {
  for (let high = before; high > 0; high -= CHUNK) {
    const low = Math.max(0, high - CHUNK)
    const index = readRange(fd, low, high - low).lastIndexOf(0x0a)
    if (index >= 0) return low + index
  }
  return -1
}

function readRange(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return buffer.subarray(0, done)
}
