// `coffer status`: seal status; exits 2 when sealed, as Vault's status command does for scripts.
import type { CommandSpec } from '../context.ts'
import { remote } from '../context.ts'
import { printSealStatus } from './operator/seal-status-view.ts'

export const statusCommand: CommandSpec = {
  path: ['status'],
  usage: '[options]',
  summary: 'Show whether the server is initialised and sealed',
  help: 'Exit code 0 when unsealed, 2 when sealed or unreachable, 1 on a usage error.',
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const client = ctx.client()
    const status = await remote('Error checking seal status', () => client.sealStatus())
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
