// `coffer scan [PATH...|-]`: find leaked credentials in files, stdin, git history or the staged diff.
import {
  BaselineError,
  ConfigError,
  GitError,
  renderJson,
  renderSarif,
  renderText,
  runScan,
  writeBaseline,
} from '../../../scanner/index.ts'
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { CandidateCollector, CofferMatcher, lookupCandidates } from './coffer-match.ts'
import { ProgressBar } from './progress.ts'

const VERSION = '0.1.0'

/** "2MB", "512k" or a plain byte count. */
function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim())
  if (!m) throw new UsageError(`invalid size ${JSON.stringify(text)}: use e.g. 2MB, 512k or 1048576`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.floor(Number(m[1]) * unit)
}

export const scanCommand: CommandSpec = {
  path: ['scan'],
  usage: '[options] [PATH...|-]',
  summary: 'Scan files, git history or staged changes for leaked secrets',
  help: [
    'Scans the given files and folders (default: the current folder), respecting .gitignore; "-" reads stdin.',
    'Exit code 1 when something is found, 0 when nothing is, 2 on an error.',
    '',
    'Suppress a finding with a "coffer:allow" comment on its line, with .coffer-scan.json',
    '({"paths": [...], "rules": [...], "regexes": [...]}) or with a baseline file.',
    'See docs/scanner.md for the rule list and CI examples.',
    '',
    'With -coffer it also reports any string that is the exact value of a secret stored in Coffer (current',
    'or kept older KV versions), e.g. "matches secret/data/prod/db#password v3". Only SHA-256 digests of the',
    'candidate strings are sent (to sys/leak/fingerprints, which the token needs "update" on); the server',
    'and token come from VAULT_ADDR/VAULT_TOKEN or the HTTP options. Without -coffer no server is needed.',
  ].join('\n'),
  flags: [
    {
      name: 'coffer',
      kind: 'bool',
      usage: "Also match Coffer's own stored secret values (needs the server; see above)",
    },
    { name: 'format', kind: 'string', usage: 'Report format: text (default), json or sarif' },
    {
      name: 'output',
      kind: 'string',
      usage: 'Write the report to this file instead of stdout',
      placeholder: 'file',
    },
    {
      name: 'git',
      kind: 'bool',
      usage: 'Scan every commit on every branch of the repository at PATH (default .)',
    },
    { name: 'staged', kind: 'bool', usage: 'Scan only the staged changes (for a pre-commit hook)' },
    { name: 'no-gitignore', kind: 'bool', usage: 'Scan files that .gitignore excludes too' },
    {
      name: 'config',
      kind: 'string',
      usage: 'Config file (default: .coffer-scan.json in the scanned folder)',
      placeholder: 'file',
    },
    {
      name: 'baseline',
      kind: 'string',
      usage: 'Report only findings not in this baseline file',
      placeholder: 'file',
    },
    {
      name: 'write-baseline',
      kind: 'string',
      usage: 'Write every current finding to this baseline file and exit 0',
      placeholder: 'file',
    },
    {
      name: 'max-file-size',
      kind: 'string',
      usage: 'Skip files larger than this (default 2MB)',
      placeholder: 'size',
    },
    { name: 'no-progress', kind: 'bool', usage: 'Never draw the progress bar' },
  ],
  async run(ctx) {
    const format = (ctx.flags.string('format') ?? 'text').toLowerCase()
    if (!['text', 'json', 'sarif'].includes(format))
      throw new UsageError(`invalid report format ${JSON.stringify(format)}: use text, json or sarif`)
    const git = ctx.flags.bool('git')
    const staged = ctx.flags.bool('staged')
    if (git && staged) throw new UsageError('-git and -staged cannot be combined')
    if ((git || staged) && ctx.args.length > 1)
      throw new UsageError('-git and -staged take at most one PATH (the repository)')
    if ((git || staged) && ctx.args[0] === '-')
      throw new UsageError('-git and -staged read a repository, not stdin')
    const maxSize = ctx.flags.string('max-file-size')
    const progress = new ProgressBar(ctx.stderr, !ctx.flags.bool('no-progress'))
    const request: Parameters<typeof runScan>[0] = {
      paths: ctx.args,
      mode: git ? 'git' : staged ? 'staged' : 'files',
      stdin: () => ctx.readStdin(),
      gitignore: !ctx.flags.bool('no-gitignore'),
      ...(ctx.flags.string('config') ? { configPath: ctx.flags.string('config')! } : {}),
      ...(ctx.flags.string('baseline') ? { baselinePath: ctx.flags.string('baseline')! } : {}),
      ...(maxSize ? { maxFileSize: parseSize(maxSize) } : {}),
      onProgress: (done, total, files) => progress.update(done, total, files),
    }
    const coffer = ctx.flags.bool('coffer')
    let result: Awaited<ReturnType<typeof runScan>>
    try {
      if (!coffer) result = await runScan(request)
      else {
        // Two passes: the first is the ordinary scan and collects every candidate; only when the server
        // recognises some does a second pass place them (stdin is read once and cached by the context).
        const collector = new CandidateCollector()
        result = await runScan({ ...request, matchers: [collector] })
        const known = await remote('Error matching against the secrets stored in Coffer', () =>
          lookupCandidates(ctx.client(), collector.seen),
        )
        collector.seen.clear()
        if (known.size > 0) result = await runScan({ ...request, matchers: [new CofferMatcher(known)] })
      }
    } catch (error) {
      if (error instanceof CliError) throw error
      if (error instanceof ConfigError || error instanceof BaselineError || error instanceof GitError)
        throw new CliError(`Error: ${error.message}`, 2)
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR')
        throw new CliError(
          `Error: cannot read ${(error as NodeJS.ErrnoException).path ?? 'path'}: ${code}`,
          2,
        )
      throw error
    } finally {
      progress.done()
    }
    const baselineOut = ctx.flags.string('write-baseline')
    if (baselineOut) {
      await writeBaseline(baselineOut, result.findings)
      ctx.err(`Wrote ${result.findings.length} finding(s) to baseline ${baselineOut}`)
      return 0
    }
    const describe = (id: string) => result.engine.description(id)
    const report =
      format === 'json'
        ? renderJson(result.findings)
        : format === 'sarif'
          ? renderSarif(result.findings, VERSION, describe)
          : renderText(result.findings)
    const output = ctx.flags.string('output')
    if (output) {
      const { writeFile } = await import('node:fs/promises')
      await writeFile(output, report)
    } else ctx.stdout.write(report)
    if (format === 'text' && result.suppressed > 0)
      ctx.err(`${result.suppressed} finding(s) suppressed by config or baseline.`)
    return result.findings.length > 0 ? 1 : 0
  },
}
