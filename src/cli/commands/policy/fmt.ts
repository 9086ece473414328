// `coffer policy fmt FILE`: rewrite an HCL policy file with canonical indentation and spacing.
import { readFile, writeFile } from 'node:fs/promises'
import type { CommandSpec } from '../../context.ts'
import { CliError } from '../../context.ts'
import { success } from '../../output.ts'
import { formatPolicy } from '../../policy-format.ts'

export const policyFmtCommand: CommandSpec = {
  path: ['policy', 'fmt'],
  usage: '[options] FILE',
  summary: 'Format an HCL policy file in place',
  help: 'The file is checked first; an invalid policy is reported and left untouched. Comments are kept.',
  offline: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const file = ctx.args[0] as string
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new CliError(
        `Error reading ${file}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
        1,
      )
    }
    let formatted: string
    try {
      formatted = formatPolicy(text)
    } catch (error) {
      throw new CliError(`Error parsing policy ${file}: ${(error as Error).message}`, 1)
    }
    if (formatted !== text) {
      try {
        await writeFile(file, formatted)
      } catch (error) {
        throw new CliError(
          `Error writing ${file}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}`,
          1,
        )
      }
    }
    return success(ctx, `Formatted policy: ${file}`)
  },
}
