// `coffer run -secret PATH[#field]=ENV ... -- COMMAND ARGS`: start a command with secrets in its environment.
import {
  EnvFileError,
  EnvFileTemplate,
  EnvMappingError,
  parseSecretSpec,
  runSession,
  SecretFetchError,
  SecretReadError,
  SecretSpecError,
  TemplateExecError,
} from '../../agent/run/index.ts'
import { parseDuration } from '../../lib/duration.ts'
import type { CommandSpec } from '../context.ts'
import { CliError } from '../context.ts'
import { UsageError } from '../flags.ts'

const SIGNAL_NAME = /^SIG[A-Z0-9]+$/

export const runCommand: CommandSpec = {
  path: ['run'],
  usage: '[options] -- COMMAND [ARGS...]',
  summary: 'Run a command with secrets in its environment',
  help: [
    'Reads each -secret and starts COMMAND with the values as environment variables; its exit code',
    "becomes coffer's (128+N when signal N ended it). Nothing is written to disk.",
    '',
    '  -secret=secret/app#password=DB_PASSWORD    one field of a KV secret (v1 or v2)',
    '  -secret=secret/app=APP                     every key: APP_<KEY> (upper case, other characters as _)',
    '  -secret=database/creds/app=PG              dynamic credentials (PG_USERNAME, PG_PASSWORD); the',
    '                                             lease is revoked when the command exits',
    '  -secret=sm:prod/api#token=API_TOKEN        a Secrets Manager secret (a JSON object, or the whole',
    '                                             string without #field)',
    '',
    '-env-file-template=FILE renders FILE (KEY=value lines, Go template syntax as in coffer agent) in memory',
    'and adds its variables.',
    '',
    'Put "--" before COMMAND so its own flags are not read as coffer\'s. SIGINT, SIGTERM and SIGHUP are',
    'passed on to the command.',
  ].join('\n'),
  flags: [
    {
      name: 'secret',
      kind: 'list',
      placeholder: 'PATH[#field]=ENV',
      usage: 'A secret to pass as ENV; repeat for more',
    },
    { name: 'mask', kind: 'bool', usage: "Replace every secret value in the command's output with *****" },
    {
      name: 'watch',
      kind: 'bool',
      usage: 'Poll the secrets and restart the command (or signal it) when one changes',
    },
    { name: 'watch-interval', kind: 'duration', usage: 'How often -watch polls (default 30s)' },
    {
      name: 'watch-signal',
      kind: 'string',
      usage: 'With -watch, send this signal (e.g. SIGHUP) instead of restarting',
    },
    {
      name: 'env-file-template',
      kind: 'string',
      placeholder: 'FILE',
      usage:
        'A template of KEY=value lines (Go template syntax, see docs/agent.md) rendered in memory into variables',
    },
    {
      name: 'sm-mount',
      kind: 'string',
      usage: 'Mount path of the secretsmanager engine read by sm: secrets (default secretsmanager)',
    },
  ],
  minArgs: 1,
  async run(ctx) {
    const [command, ...args] = ctx.args as [string, ...string[]]
    const specs = ctx.flags.list('secret').map((text) => {
      try {
        return parseSecretSpec(text)
      } catch (error) {
        if (error instanceof SecretSpecError) throw new UsageError(error.message)
        throw error
      }
    })
    const signal = ctx.flags.string('watch-signal')?.toUpperCase()
    if (signal !== undefined && !SIGNAL_NAME.test(signal))
      throw new UsageError(`invalid -watch-signal ${JSON.stringify(signal)}: use a name such as SIGHUP`)
    const watch = ctx.flags.bool('watch')
    const interval = ctx.flags.string('watch-interval')
    const intervalSeconds = interval === undefined ? 30 : parseDuration(interval, '-watch-interval')
    if (watch && intervalSeconds <= 0) throw new UsageError('-watch-interval must be positive')
    const templateFile = ctx.flags.string('env-file-template')
    try {
      const client = ctx.client()
      return await runSession({
        client,
        envTemplate:
          templateFile === undefined ? undefined : new EnvFileTemplate(client, templateFile, ctx.env),
        specs,
        command,
        args,
        baseEnv: ctx.env,
        smMount: (ctx.flags.string('sm-mount') ?? 'secretsmanager').replace(/^\/+|\/+$/g, ''),
        mask: ctx.flags.bool('mask'),
        watch: watch
          ? { intervalMs: intervalSeconds * 1000, signal: signal as NodeJS.Signals | undefined }
          : undefined,
        stdout: process.stdout,
        stderr: process.stderr,
        log: (message) => ctx.err(`coffer run: ${message}`),
      })
    } catch (error) {
      if (error instanceof SecretFetchError) throw new CliError(`coffer run: ${error.message}`, 2)
      if (error instanceof SecretReadError)
        throw new CliError(`coffer run: cannot render the env file template: ${error.message}`, 2)
      if (error instanceof EnvMappingError || error instanceof EnvFileError)
        throw new CliError(`coffer run: ${error.message}`, 1)
      if (error instanceof TemplateExecError)
        throw new CliError(`coffer run: cannot render the env file template: ${error.message}`, 1)
      throw error
    }
  },
}
