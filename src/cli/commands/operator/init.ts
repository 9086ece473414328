// `coffer operator init`: initialise the server and print the unseal keys and root token once.
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { printStructured } from '../../output.ts'
import { readPgpKeyFile, readPgpKeyFiles } from '../../pgp-key-files.ts'

export const operatorInitCommand: CommandSpec = {
  path: ['operator', 'init'],
  usage: '[options]',
  summary: 'Initialise the server: create the root key, unseal key shares and a root token',
  help: 'The keys and token are printed once and never again; store them safely.',
  flags: [
    { name: 'key-shares', kind: 'int', usage: 'Number of unseal key shares (default 5)', aliases: ['n'] },
    { name: 'key-threshold', kind: 'int', usage: 'Shares needed to unseal (default 3)', aliases: ['t'] },
    {
      name: 'pgp-keys',
      kind: 'string',
      usage:
        'Comma-separated PGP public key files, one per share: each share comes back encrypted to its key',
    },
    {
      name: 'root-token-pgp-key',
      kind: 'string',
      usage: 'PGP public key file: the root token comes back encrypted to it',
    },
    {
      name: 'status',
      kind: 'bool',
      usage: 'Only report whether the server is initialised (exit 0 yes, 2 no, 1 on error)',
    },
  ],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const client = ctx.client()
    if (ctx.flags.bool('status')) {
      // Exit 2 means "not initialised" here, so an unreachable or failing server is 1, as Vault's.
      const initialized = await remote('Error checking init status', () => client.initStatus()).catch(
        (error) => {
          throw error instanceof CliError ? new CliError(error.message, 1) : error
        },
      )
      ctx.out(initialized ? 'Coffer is initialized' : 'Coffer is not initialized')
      return initialized ? 0 : 2
    }
    const shares = ctx.flags.int('key-shares') ?? 5
    const threshold = ctx.flags.int('key-threshold') ?? 3
    if (shares < 1) throw new UsageError('-key-shares must be at least 1')
    if (threshold < 1 || threshold > shares)
      throw new UsageError('-key-threshold must be between 1 and -key-shares')
    const extra: Record<string, unknown> = {}
    const pgpKeys = ctx.flags.string('pgp-keys') ?? ''
    if (pgpKeys.trim() !== '') {
      const keys = await readPgpKeyFiles(pgpKeys)
      // As vault: one key per share, checked before anything is sent.
      if (keys.length !== shares)
        throw new UsageError(
          `-pgp-keys gives ${keys.length} keys for ${shares} key shares: give one per share`,
        )
      extra['pgp_keys'] = keys
    }
    const rootKey = ctx.flags.string('root-token-pgp-key') ?? ''
    if (rootKey.trim() !== '') extra['root_token_pgp_key'] = await readPgpKeyFile(rootKey.trim())
    const result = await remote('Error initializing', () => client.init(shares, threshold, extra))
    // The JSON shape mirrors what the Vault CLI prints, so automation written for it keeps working.
    const summary = {
      unseal_keys_b64: result.keys_base64 ?? [],
      unseal_keys_hex: result.keys ?? [],
      unseal_shares: shares,
      unseal_threshold: threshold,
      recovery_keys_b64: result['recovery_keys_base64'] ?? [],
      recovery_keys_hex: result['recovery_keys'] ?? [],
      recovery_keys_shares: 0,
      recovery_keys_threshold: 0,
      root_token: result.root_token,
    }
    if (printStructured(ctx, summary)) return 0
    const keys = result.keys_base64?.length ? result.keys_base64 : (result.keys ?? [])
    for (const [i, key] of keys.entries()) ctx.out(`Unseal Key ${i + 1}: ${key}`)
    ctx.out('')
    ctx.out(`Initial Root Token: ${result.root_token}`)
    ctx.out('')
    ctx.out(
      `Coffer initialized with ${shares} key shares and a key threshold of ${threshold}. Keep the keys apart:\n` +
        `after every restart the server starts sealed and ${threshold} of these keys must be given to\n` +
        `"coffer operator unseal" before it serves requests. They are not shown again.`,
    )
    return 0
  },
}
