// The audit log's chain format shared by the writer (server/audit) and every verifier (server, CLI).
import { sha256Hex } from '../hash.ts'

/**
 * Line format. An entry line is the entry's own JSON with two members appended LAST:
 *   {"time":…,"type":"request",…,"seq":7,"prev_hash":"<64 hex>"}
 * Last, so that the line is still Vault's layout from the first byte (Vault puts `time` first for
 * forwarders that sniff it) and parsers that ignore unknown keys read it unchanged.
 * A checkpoint line is {"type":"checkpoint","seq":…,"prev_hash":…,"time":…,"signature":…}. A server that continues
 * a file whose last line is not one of its checkpoints (it crashed, or lines were added while it was down) first
 * writes a resume checkpoint, the same with "resumed":true: it signs the chain so far while saying that the lines
 * since the previous checkpoint were not seen written by it, so no later signature vouches for them.
 *
 * seq counts lines from 1; `prev_hash` is the SHA-256 hex of the exact UTF-8 text of the previous line
 * (without its newline); the first line of a chain has prev_hash = 64 zeros. The state after a line is
 * {seq of that line, hash of that line}, so a fresh chain is {seq: 0, prevHash: GENESIS_HASH}.
 */
export interface ChainState {
  seq: number
  prevHash: string
}

export const GENESIS_HASH = '0'.repeat(64)

/** The `type` of a checkpoint line; entry lines are `request` or `response`. */
export const CHECKPOINT_TYPE = 'checkpoint'

/**
 * What a checkpoint's Ed25519 signature covers; the writer signs it and verifiers rebuild it. A resume checkpoint's
 * text is marked, so that an ordinary checkpoint's signature cannot be passed off as a resume's, or the reverse.
 */
export function checkpointSignedText(seq: number, prevHash: string, time: string, resumed = false): string {
  return `${resumed ? 'resumed|' : ''}${seq}|${prevHash}|${time}`
}

/** The hash the next line carries as prev_hash: SHA-256 hex of the line's exact text, without its newline. */
export function lineHash(line: string): string {
  return sha256Hex(line)
}
