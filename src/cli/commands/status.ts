// `coffer status`: seal status; exits 2 only when sealed and 1 on any error, as Vault's status command does for scripts.
import type { CommandSpec } from '../context.ts'
import { CliError, remote } from '../context.ts'
import { printSealStatus } from './operator/seal-status-view.ts'

export const statusCommand: CommandSpec = {
  path: ['status'],
  usage: '[options]',
  summary: 'Show whether the server is initialised and sealed',
  help: 'Exit code 0 when unsealed, 2 when sealed, 1 on any error (unreachable server included).',
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const client = ctx.client()
    // Exit 2 means "sealed" here, which scripts act on (they unseal); an unreachable or failing server is 1.
    const status = await remote('Error checking seal status', () => client.sealStatus()).catch((error) => {
      throw error instanceof CliError ? new CliError(error.message, 1) : error
    })
    let haEnabled: boolean | undefined
    if (!status.sealed) {
      // sys/leader is optional for our purposes: older or minimal servers may not serve it.
      haEnabled = await client
        .request('GET', 'sys/leader')
        .then((res) => Boolean(res.body?.ha_enabled))
        .catch(() => undefined)
    }
    const code = printSealStatus(ctx, status, haEnabled)
    return status.sealed ? 2 : code
  },
}
