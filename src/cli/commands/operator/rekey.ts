// `coffer operator rekey`: Vault's rekey ceremony — start, submit current shares, print the new ones, verify, backups.
import type { CommandContext, CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { printData, printSecret } from '../../output.ts'
import { readPgpKeyFiles } from '../../pgp-key-files.ts'
import {
  type Endpoints,
  endpointsFor,
  printRekeyStatus,
  printVerifyStatus,
  type RekeyStatus,
  type RekeyUpdate,
  rekeyStatus,
  rekeyUpdate,
  verifyStatus,
} from './rekey-view.ts'

type Body = Record<string, unknown>

function caller(ctx: CommandContext) {
  const client = ctx.client()
  return async (method: string, path: string, body?: Body): Promise<Body> =>
    ((await client.request(method, path, body ? { body } : {})).body ?? {}) as Body
}

/** Print the rekey status, or the verification status with -verify (Vault's c.status). */
async function showStatus(ctx: CommandContext, api: Endpoints, verify: boolean): Promise<number> {
  const call = caller(ctx)
  if (verify) {
    const status = await remote('Error reading rekey status', () => call('GET', api.verify))
    return printVerifyStatus(ctx, verifyStatus(status))
  }
  const status = await remote('Error reading rekey status', () => call('GET', api.init))
  return printRekeyStatus(ctx, rekeyStatus(status))
}

async function init(ctx: CommandContext, api: Endpoints): Promise<number> {
  const pgpFlag = ctx.flags.string('pgp-keys') ?? ''
  const pgpKeys = pgpFlag.trim() === '' ? [] : await readPgpKeyFiles(pgpFlag)
  const backup = ctx.flags.bool('backup')
  // The body of Vault's api.RekeyInitRequest; the server checks the numbers, as Vault's does.
  const body: Body = {
    secret_shares: ctx.flags.int('key-shares') ?? 5,
    secret_threshold: ctx.flags.int('key-threshold') ?? 3,
    pgp_keys: pgpKeys.length > 0 ? pgpKeys : null,
    backup,
    require_verification: ctx.flags.bool('verify'),
  }
  const status = await remote('Error initializing rekey', () => caller(ctx)('PUT', api.init, body))
  if (ctx.format === 'table') {
    if (pgpKeys.length === 0) {
      ctx.err(
        'WARNING! The new unseal keys will be printed once, in clear, and cannot be recovered if lost.\n' +
          'To protect them, cancel this rekey and start again with -pgp-keys (and -backup to keep a\n' +
          'copy of the encrypted keys on the server until you delete it with -backup-delete).\n',
      )
    } else if (!backup) {
      ctx.err(
        'WARNING! The new unseal keys will be encrypted to the PGP keys given, but no copy is kept on the\n' +
          'server: if the encrypted keys are lost before they reach their holders, they cannot be\n' +
          'recovered. Cancel and start again with -backup to keep a copy until -backup-delete.\n',
      )
    }
  }
  return printRekeyStatus(ctx, rekeyStatus(status))
}

/** What Vault's CLI prints once the threshold of current shares is in: the new shares, and what to do next. */
async function printNewKeys(
  ctx: CommandContext,
  api: Endpoints,
  before: RekeyStatus,
  result: RekeyUpdate,
): Promise<number> {
  if (ctx.format !== 'table' || ctx.field !== undefined) return printData(ctx, { ...result })
  ctx.out('')
  const haveB64 = result.keys_base64.length === result.keys.length
  const fingerprints = result.pgp_fingerprints ?? []
  for (const [i, hex] of result.keys.entries()) {
    const value = haveB64 ? result.keys_base64[i] : hex
    ctx.out(
      fingerprints.length > 0
        ? `Key ${i + 1} fingerprint: ${fingerprints[i]}; value: ${value}`
        : `Key ${i + 1}: ${value}`,
    )
  }
  ctx.out('')
  ctx.out(`Operation nonce: ${result.nonce}`)
  if (fingerprints.length > 0 && result.backup) {
    ctx.out('')
    ctx.out(
      'A copy of the encrypted keys is kept on the server (sys/rekey/backup). It stays there until\n' +
        'you delete it with "coffer operator rekey -backup-delete".',
    )
  }
  const { n, t } = before
  ctx.out('')
  if (!result.verification_required) {
    ctx.out(
      `Coffer is rekeyed: ${n} key shares, any ${t} of which unseal it. Hand each share above to its\n` +
        `holder. The previous shares no longer work; after a restart or a seal, ${t} of these are needed.`,
    )
    return 0
  }
  ctx.out(
    `A new key was split into ${n} key shares with a threshold of ${t}. They take effect only once ${t}\n` +
      'of them are entered back with "coffer operator rekey -verify -nonce=<verification nonce> KEY".',
  )
  ctx.out('')
  ctx.err(
    'WARNING! Until verification completes the new shares do not work and the current ones still do:\n' +
      'keep the current shares. Canceling the rekey or sealing the server discards the new shares.\n',
  )
  ctx.err('The verification status, with its nonce:\n')
  return showStatus(ctx, api, true)
}

/** Submit one share: a current one, or with -verify one of the new ones (Vault's c.provide). */
async function provide(ctx: CommandContext, api: Endpoints, verify: boolean): Promise<number> {
  const call = caller(ctx)
  let started: boolean
  let currentNonce: string
  let before: RekeyStatus | undefined
  if (verify) {
    const status = verifyStatus(await remote('Error getting rekey status', () => call('GET', api.verify)))
    started = status.started
    currentNonce = status.nonce
  } else {
    before = rekeyStatus(await remote('Error getting rekey status', () => call('GET', api.init)))
    started = before.started
    currentNonce = before.nonce
  }
  if (!started)
    throw new CliError(
      verify
        ? 'No rekey verification is in progress: it starts when a rekey begun with -verify hands out its new shares.'
        : 'No rekey is in progress. Start one with "coffer operator rekey -init".',
      1,
    )
  const arg = ctx.args[0]?.trim()
  let key: string
  let nonce = ctx.flags.string('nonce') ?? ''
  if (arg === '-') {
    key = (await ctx.readStdin()).trim()
  } else if (arg !== undefined && arg !== '') {
    key = arg
  } else {
    // Where Vault prompts on the terminal it shows the nonce and takes it from the status; Coffer reads the
    // first line of stdin instead (it never prompts), and a -nonce given anyway still has the server check it.
    ctx.err(`${verify ? 'Rekey verification' : 'Rekey operation'} nonce: ${currentNonce}`)
    key = (await ctx.readStdin()).split('\n')[0]?.trim() ?? ''
    if (nonce === '') nonce = currentNonce
  }
  if (key === '') throw new UsageError('no key given: pass it as an argument, or "-" to read it from stdin')
  // A key given on the command line must name its attempt, so a share never lands in a rekey it was not meant for.
  if (nonce === '') throw new CliError('Missing nonce value: specify it with the -nonce flag', 1)
  const answer = await remote('Error posting unseal key', () =>
    call('PUT', verify ? api.verify : api.update, { key, nonce }),
  )
  if (answer['complete'] !== true) return showStatus(ctx, api, verify)
  if (verify) {
    ctx.out('Success! Rekey verification complete: the new unseal keys are now in effect.')
    return 0
  }
  return printNewKeys(ctx, api, before as RekeyStatus, rekeyUpdate(answer))
}

async function backupRetrieve(ctx: CommandContext, api: Endpoints): Promise<number> {
  const envelope = await remote('Error retrieving rekey stored keys', () => caller(ctx)('GET', api.backup))
  const data = (envelope['data'] ?? {}) as Body
  // Vault's CLI turns its RekeyRetrieveResponse into a map with structs.Map, so the keys are Go field names.
  return printSecret(ctx, {
    request_id: '',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data: { Keys: data['keys'] ?? {}, KeysB64: data['keys_base64'] ?? {}, Nonce: data['nonce'] ?? '' },
    warnings: null,
  })
}

export const operatorRekeyCommand: CommandSpec = {
  path: ['operator', 'rekey'],
  usage: '[options] [KEY]',
  summary: 'Replace the unseal key with a new one split into new key shares',
  help:
    'Start with -init (optionally a new -key-shares/-key-threshold, -pgp-keys, -backup, -verify). Each holder of\n' +
    'a current share then runs the command with -nonce and their share (argument, "-" for stdin, or with no\n' +
    'argument the first line of stdin). Once the threshold is in, the new shares are printed once. Started\n' +
    'with -verify, the new shares take effect only after a threshold of them is entered back with -verify and\n' +
    'the verification nonce. The server stays unsealed throughout.',
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a rekey (only when none is in progress)' },
    { name: 'cancel', kind: 'bool', usage: 'Cancel the rekey (with -verify: restart verification)' },
    { name: 'status', kind: 'bool', usage: 'Print the progress (with -verify: of verification)' },
    { name: 'key-shares', kind: 'int', aliases: ['n'], usage: 'Number of new key shares (default 5)' },
    { name: 'key-threshold', kind: 'int', aliases: ['t'], usage: 'New shares needed to unseal (default 3)' },
    { name: 'nonce', kind: 'string', usage: 'Nonce of the rekey (or of its verification with -verify)' },
    {
      name: 'target',
      kind: 'string',
      usage: 'barrier (default), or recovery: recovery keys, which a Shamir-sealed server does not have',
    },
    {
      name: 'verify',
      kind: 'bool',
      usage:
        'With -init: require the new shares to be entered back before they take effect; otherwise act on verification',
    },
    {
      name: 'pgp-keys',
      kind: 'string',
      placeholder: 'file,file,...',
      usage:
        'Files holding public keys (binary, base64 or armored), one per new share, to encrypt each share to',
    },
    {
      name: 'backup',
      kind: 'bool',
      usage: 'Keep the PGP-encrypted new shares on the server (needs -pgp-keys)',
    },
    { name: 'backup-retrieve', kind: 'bool', usage: 'Print the backed-up encrypted shares' },
    { name: 'backup-delete', kind: 'bool', usage: 'Delete the backed-up encrypted shares' },
  ],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const api = endpointsFor(ctx.flags.string('target') ?? 'barrier')
    const verify = ctx.flags.bool('verify')
    if (ctx.flags.bool('backup-delete')) {
      await remote('Error deleting rekey stored keys', () => caller(ctx)('DELETE', api.backup))
      ctx.out('Success! Deleted the stored keys (if they existed)')
      return 0
    }
    if (ctx.flags.bool('backup-retrieve')) return backupRetrieve(ctx, api)
    if (ctx.flags.bool('cancel')) {
      await remote('Error canceling rekey', () => caller(ctx)('DELETE', verify ? api.verify : api.init))
      ctx.out(
        verify
          ? 'Success! Rekey verification restarted (if it was started); the new shares are still pending'
          : 'Success! Rekey canceled (if it was started)',
      )
      return 0
    }
    if (ctx.flags.bool('init')) return init(ctx, api)
    if (ctx.flags.bool('status')) return showStatus(ctx, api, verify)
    return provide(ctx, api, verify)
  },
}
