// `coffer list PATH`: list keys with GET ?list=true; no keys is "No value found" and exit 2, as in Vault.
import type { CommandSpec } from '../context.ts'
import { CliError, remote } from '../context.ts'
import { printKeys } from '../output.ts'

export const listCommand: CommandSpec = {
  path: ['list'],
  usage: '[options] PATH',
  summary: 'List keys under a path',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = ctx.args[0] as string
    const keys = await remote(`Error listing ${path}`, () => ctx.client().list(path))
    if (keys.length === 0)
      throw new CliError(`No value found at ${path.endsWith('/') ? path : `${path}/`}`, 2)
    return printKeys(ctx, keys)
  },
}
