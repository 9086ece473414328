// `coffer policy write NAME FILE|-`: upload an ACL policy from a file or stdin.
import { readFile } from 'node:fs/promises'
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { success } from '../../output.ts'

export const policyWriteCommand: CommandSpec = {
  path: ['policy', 'write'],
  usage: '[options] NAME FILE|-',
  summary: 'Create or replace an ACL policy',
  help: 'FILE holds the policy in HCL or JSON; "-" reads it from stdin.',
  minArgs: 2,
  maxArgs: 2,
  async run(ctx) {
    const [name, source] = ctx.args as [string, string]
    let policy: string
    if (source === '-') policy = await ctx.readStdin()
    else {
      try {
        policy = await readFile(source, 'utf8')
      } catch (error) {
        throw new CliError(
          `Error reading policy file ${source}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
          1,
        )
      }
    }
    const path = `sys/policies/acl/${encodeURIComponent(name.toLowerCase())}`
    await remote(`Error uploading policy ${name}`, () => ctx.client().write(path, { policy }))
    return success(ctx, `Uploaded policy: ${name.toLowerCase()}`)
  },
}
