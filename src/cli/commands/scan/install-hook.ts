// `coffer scan install-hook`: a git pre-commit hook that runs `coffer scan -staged`.
import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { CommandSpec } from '../../context.ts'
import { CliError } from '../../context.ts'

const MARKER = '# coffer scan pre-commit hook'
const ENTRY = fileURLToPath(new URL('../../../coffer.ts', import.meta.url))

/** The hook script: the given command, or this Node and this checkout's entry point. */
function hookScript(command?: string): string {
  const run = command ?? `"${process.execPath}" "${ENTRY}"`
  return `#!/bin/sh\n${MARKER}\n# Blocks a commit whose staged changes add a secret. Bypass once with: git commit --no-verify\nexec ${run} scan -staged\n`
}

export const scanInstallHookCommand: CommandSpec = {
  path: ['scan', 'install-hook'],
  usage: '[options] [REPO]',
  summary: 'Install a git pre-commit hook that scans staged changes',
  help: 'Writes the pre-commit hook of the repository at REPO (default .), honouring core.hooksPath.\nAn existing hook that coffer did not write is kept unless -force is given.',
  offline: true,
  maxArgs: 1,
  flags: [
    { name: 'force', kind: 'bool', usage: 'Replace an existing pre-commit hook' },
    {
      name: 'command',
      kind: 'string',
      usage: 'Command the hook runs instead of this coffer (e.g. "npx coffer")',
    },
  ],
  async run(ctx) {
    const repo = ctx.args[0] ?? '.'
    let hooksDir: string
    try {
      const { stdout } = await promisify(execFile)('git', ['rev-parse', '--git-path', 'hooks'], { cwd: repo })
      hooksDir = stdout.trim()
    } catch {
      throw new CliError(`Error: ${repo} is not a git repository`, 2)
    }
    if (!isAbsolute(hooksDir)) hooksDir = resolve(repo, hooksDir)
    const hook = join(hooksDir, 'pre-commit')
    const existing = await readFile(hook, 'utf8').catch(() => undefined)
    if (existing !== undefined && !existing.includes(MARKER) && !ctx.flags.bool('force'))
      throw new CliError(`Error: ${hook} already exists; use -force to replace it`, 2)
    await mkdir(hooksDir, { recursive: true })
    await writeFile(hook, hookScript(ctx.flags.string('command')))
    await chmod(hook, 0o755)
    ctx.out(`Installed pre-commit hook: ${hook}`)
    return 0
  },
}
