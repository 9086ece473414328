// `coffer version` (and `coffer -version`, `-v`, `--version`): print the version, as `vault version` does.
import { COFFER_VERSION } from '../../lib/version.ts'
import type { CommandSpec } from '../context.ts'

export const versionCommand: CommandSpec = {
  path: ['version'],
  usage: '',
  summary: 'Print the version: the Vault API level spoken, then Coffer’s own after the +',
  help:
    'The second word is the version, as in Vault\'s "Vault v1.17.0 (...)": scripts and test harnesses written\n' +
    "for Vault (hvac's, for one) read it to decide which Vault behaviour to expect.",
  offline: true,
  maxArgs: 0,
  async run(ctx) {
    ctx.out(`Coffer v${COFFER_VERSION}`)
    return 0
  },
}
