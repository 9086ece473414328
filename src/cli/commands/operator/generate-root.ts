// `coffer operator generate-root`: Vault's break-glass ceremony — start, submit shares, decode the OTP-encoded token.
import { decodeRootToken, generateOtp } from '../../../lib/root-token-otp.ts'
import type { CommandContext, CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { printData } from '../../output.ts'
import { readPgpKeyFiles } from '../../pgp-key-files.ts'

interface Status {
  nonce: string
  started: boolean
  progress: number
  required: number
  complete: boolean
  encoded_token?: string
  encoded_root_token?: string
  pgp_fingerprint?: string
  otp?: string
  otp_length?: number
}

const ATTEMPT = 'sys/generate-root/attempt'

function printStatus(ctx: CommandContext, status: Status): number {
  const rows: [string, unknown][] = [
    ['Nonce', status.nonce],
    ['Started', status.started],
    ['Progress', `${status.progress}/${status.required}`],
    ['Complete', status.complete],
  ]
  if (status.pgp_fingerprint) rows.push(['PGP Fingerprint', status.pgp_fingerprint])
  if (status.otp) rows.push(['OTP', status.otp])
  if (status.otp_length) rows.push(['OTP Length', status.otp_length])
  const encoded = status.encoded_root_token || status.encoded_token
  if (encoded) rows.push(['Encoded Token', encoded])
  return printData(ctx, { ...status }, rows)
}

export const operatorGenerateRootCommand: CommandSpec = {
  path: ['operator', 'generate-root'],
  usage: '[options] [KEY]',
  summary: 'Generate a new root token from a threshold of unseal key shares',
  help:
    'Start with -init (the server draws an OTP and prints it once, or give -pgp-key), then each key holder runs the\n' +
    'command with the nonce and their share (argument, or the first line of stdin). The last share prints the\n' +
    'encoded token; -decode with the OTP turns it into the token. Revoke the token as soon as the work is done.',
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a root token generation attempt' },
    { name: 'status', kind: 'bool', usage: 'Print the progress of the current attempt' },
    { name: 'cancel', kind: 'bool', usage: 'Cancel the current attempt and discard its shares' },
    { name: 'nonce', kind: 'string', usage: 'Nonce of the attempt (default: the one in progress)' },
    { name: 'otp', kind: 'string', usage: 'OTP for -init (optional) or for -decode' },
    { name: 'pgp-key', kind: 'string', usage: 'Path to a public key file to encrypt the token to (-init)' },
    { name: 'decode', kind: 'string', usage: 'Decode this encoded token with -otp and print the token' },
    { name: 'generate-otp', kind: 'bool', usage: 'Print an OTP of the length the server expects' },
  ],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const decode = ctx.flags.string('decode')
    if (decode !== undefined) {
      const otp = ctx.flags.string('otp') ?? ''
      if (otp === '') throw new UsageError('-decode needs the -otp the attempt was started with')
      let token: string
      try {
        token = decodeRootToken(decode === '-' ? (await ctx.readStdin()).trim() : decode, otp)
      } catch (error) {
        throw new UsageError(`cannot decode the token: ${(error as Error).message}`)
      }
      ctx.out(token)
      return 0
    }
    const client = ctx.client()
    const call = async (method: string, path: string, body?: Record<string, unknown>) =>
      (await client.request(method, path, body ? { body } : {})).body as Status
    if (ctx.flags.bool('generate-otp')) {
      const status = await remote('Error getting root generation status', () => call('GET', ATTEMPT))
      ctx.out(generateOtp(status.otp_length || 51))
      return 0
    }
    if (ctx.flags.bool('status'))
      return printStatus(
        ctx,
        await remote('Error getting root generation status', () => call('GET', ATTEMPT)),
      )
    if (ctx.flags.bool('cancel')) {
      await remote('Error canceling root token generation', () => call('DELETE', ATTEMPT))
      ctx.out('Success! Root token generation canceled (if it was started)')
      return 0
    }
    if (ctx.flags.bool('init')) {
      const body: Record<string, unknown> = {}
      const otp = ctx.flags.string('otp')
      const pgpKey = ctx.flags.string('pgp-key')
      if (otp) body['otp'] = otp
      // A path to the key file, as Vault's CLI takes it (binary, base64 or armored; keybase: refused).
      if (pgpKey) {
        const keys = await readPgpKeyFiles(pgpKey, '-pgp-key')
        if (keys.length !== 1) throw new UsageError('-pgp-key takes exactly one key file')
        body['pgp_key'] = keys[0]
      }
      const status = await remote('Error initializing root generation', () => call('PUT', ATTEMPT, body))
      return printStatus(ctx, status)
    }
    let key = ctx.args[0]
    if (key === undefined || key === '-') key = (await ctx.readStdin()).split('\n')[0]?.trim() ?? ''
    if (key === '') throw new UsageError('no unseal key given: pass it as an argument or on stdin')
    let nonce = ctx.flags.string('nonce') ?? ''
    if (nonce === '') {
      const status = await remote('Error getting root generation status', () => call('GET', ATTEMPT))
      if (!status.started) throw new UsageError('no root generation in progress: start one with -init')
      nonce = status.nonce
    }
    const status = await remote('Error posting unseal key', () =>
      call('PUT', 'sys/generate-root/update', { key, nonce }),
    )
    return printStatus(ctx, status)
  },
}
