// `coffer audit verify FILE`: check an audit log's hash chain and signed checkpoints; exit 2 when tampered.

import { createPublicKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ChainState } from '../../../lib/audit-chain/format.ts'
import { type VerifyResult, verifyAuditLog } from '../../../lib/audit-chain/verify.ts'
import { errorMessage } from '../../../lib/error-message.ts'
import { CliError, type CommandContext, type CommandSpec } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { renderColumns, renderStructured } from '../../format.ts'

/** Exit status for a log that fails verification; 1 stays "could not verify" (usage, unreadable file or key). */
const TAMPERED_EXIT = 2

const HEX64 = /^[0-9a-f]{64}$/

/** -head=SEQ or SEQ:HASH (the writer's last seq, and that line's SHA-256). */
export function parseHead(value: string): { seq: number; hash?: string } {
  const [seqText, hash, extra] = value.trim().split(':')
  const seq = Number(seqText)
  if (extra !== undefined || !/^\d+$/.test(seqText ?? '') || !Number.isSafeInteger(seq))
    throw new UsageError(`invalid -head ${JSON.stringify(value)}: expected SEQ or SEQ:SHA256HEX`)
  if (hash === undefined) return { seq }
  if (!HEX64.test(hash)) throw new UsageError('invalid -head hash: expected 64 lowercase hex digits')
  return { seq, hash }
}

/** -start=SEQ:HASH: the chain state before the file's first line (a rotated file continues the previous one). */
export function parseStart(value: string): ChainState {
  const head = parseHead(value)
  if (head.hash === undefined) throw new UsageError('invalid -start: expected SEQ:SHA256HEX')
  return { seq: head.seq, prevHash: head.hash }
}

/** Refusal of a log too large for one string (V8 caps a string at about 512 MiB, a Buffer at 2 GiB). */
function tooLarge(path: string): CliError {
  return new CliError(
    `Error reading audit log ${path}: too large to verify in one piece (over 512 MiB); split it after a ` +
      'checkpoint line and verify the parts with -head and -start',
    1,
  )
}

function isTooLarge(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return error instanceof RangeError || code === 'ERR_STRING_TOO_LONG' || code === 'ERR_FS_FILE_TOO_LARGE'
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(
      `Error reading ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
      1,
    )
  }
}

/** The log's bytes, not decoded text: the verifier must see a stray non-UTF-8 byte the decoder would hide. */
async function readLog(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    if (isTooLarge(error)) throw tooLarge(path)
    throw new CliError(
      `Error reading audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
      1,
    )
  }
}

async function publicKey(ctx: CommandContext): Promise<string> {
  const file = ctx.flags.string('public-key')
  let pem: unknown
  if (file !== undefined) {
    pem = await readText(file, 'public key')
  } else {
    try {
      pem = (await ctx.client().read('sys/audit-signing-key'))?.data?.['public_key']
    } catch (error) {
      // Exit 1, not the usual 2 for a remote error: here 2 is reserved for "the log was tampered with".
      const reason = errorMessage(error)
      throw new CliError(`Error fetching the audit signing key from the server: ${reason}`, 1)
    }
    if (typeof pem !== 'string' || pem === '')
      throw new CliError('Error fetching the audit signing key: the server returned no public_key', 1)
  }
  try {
    createPublicKey(pem as string)
  } catch {
    throw new CliError(`Error: ${file ?? 'the server’s key'} is not a PEM public key`, 1)
  }
  return pem as string
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** "47 entries, 3 valid checkpoints (last at seq 48), 2 entries after the last checkpoint (unsealed tail)" */
export function summary(result: VerifyResult): string {
  const last = result.lastCheckpointSeq === null ? '' : ` (last at seq ${result.lastCheckpointSeq})`
  const tail =
    result.unsealedEntries === 0
      ? 'no entries after the last checkpoint'
      : `${count(result.unsealedEntries, 'entry', 'entries')} after the last checkpoint (unsealed tail)`
  const resumed =
    result.resumes === 0
      ? ''
      : `; ${count(result.resumes, 'restart', 'restarts')} after ${count(result.unwitnessedEntries, 'entry', 'entries')} no checkpoint covered (unwitnessed)`
  return `${count(result.entries, 'entry', 'entries')}, ${count(result.checkpoints, 'valid checkpoint', 'valid checkpoints')}${last}, ${tail}${resumed}`
}

export const auditVerifyCommand: CommandSpec = {
  path: ['audit', 'verify'],
  usage: '[options] FILE',
  summary: 'Verify an audit log’s hash chain and signed checkpoints',
  help: [
    'Prints OK with counts, or TAMPERED with the first problem line and its kind (altered, removed,',
    'inserted, reordered, bad-signature, truncated-after-checkpoint, malformed). A torn last line, as a',
    'crash mid-write leaves, is reported but tolerated, as is such a line the server resumed after.',
    '',
    'Without -public-key the checkpoint key is read from the server (sys/audit-signing-key).',
    'Lines cut after the last checkpoint are detectable only with -head (the writer’s last seq).',
    '',
    'Exit status: 0 intact, 2 tampered, 1 could not verify (bad arguments, unreadable file or key,',
    'or the key could not be fetched).',
  ].join('\n'),
  flags: [
    {
      name: 'public-key',
      kind: 'string',
      placeholder: 'file',
      usage: 'PEM file of the checkpoint public key',
    },
    {
      name: 'head',
      kind: 'string',
      placeholder: 'seq[:hash]',
      usage: 'The writer’s last seq (and that line’s SHA-256): detects lines cut from the end',
    },
    {
      name: 'start',
      kind: 'string',
      placeholder: 'seq:hash',
      usage:
        'Chain state before the first line, for a rotated file: the previous file’s last seq and line hash',
    },
    {
      name: 'format',
      kind: 'string',
      usage: 'Output format: table, json or yaml (json prints the whole result)',
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const file = ctx.args[0] as string
    const head = ctx.flags.has('head') ? parseHead(ctx.flags.string('head') ?? '') : undefined
    const start = ctx.flags.has('start') ? parseStart(ctx.flags.string('start') ?? '') : undefined
    const bytes = await readLog(file)
    const key = await publicKey(ctx)
    let result: VerifyResult
    try {
      result = verifyAuditLog(bytes, key, { ...(head ? { head } : {}), ...(start ? { start } : {}) })
    } catch (error) {
      // Decoding the bytes into one string is where an oversized log fails.
      if (isTooLarge(error)) throw tooLarge(file)
      throw error
    }
    const code = result.ok ? 0 : TAMPERED_EXIT
    if (ctx.format !== 'table') {
      ctx.out(renderStructured(result, ctx.format))
      return code
    }
    const first = result.problems.find((p) => p.kind !== 'torn-last-line' && p.kind !== 'torn-line')
    if (first === undefined) ctx.out(`OK: ${file}: ${summary(result)}`)
    else ctx.out(`TAMPERED: ${file} line ${first.line}: ${first.kind}: ${first.detail}`)
    if (result.problems.length > 0) {
      ctx.out('')
      ctx.out(
        renderColumns(
          ['Line', 'Problem', 'Detail'],
          result.problems.map((p) => [String(p.line), p.kind, p.detail]),
        ),
      )
    }
    if (first !== undefined) ctx.out(`\n${summary(result)}`)
    else if (result.unsealedEntries > 0 && head === undefined)
      ctx.err('Note: removal of entries after the last checkpoint is detectable only with -head.')
    if (result.unwitnessedEntries > 0)
      ctx.err(
        'Note: unwitnessed entries were written after the last checkpoint before a crash, or added while the server was down; no signature covers them.',
      )
    return code
  },
}
