// `coffer agent -config=FILE`: run the agent (auto-auth, token sinks, templates) with Vault Agent's HCL config.
import { readFileSync } from 'node:fs'
import { AgentConfigError, AgentStartError, parseAgentConfig, runAgent } from '../../agent/index.ts'
import type { CommandSpec } from '../context.ts'
import { CliError } from '../context.ts'
import { UsageError } from '../flags.ts'

export const agentCommand: CommandSpec = {
  path: ['agent'],
  usage: '-config=FILE',
  summary: 'Run the agent: auto-auth, token sinks, templates, exec mode and the API proxy',
  help: [
    'Reads a Vault Agent HCL config: vault { address }, auto_auth (approle, jwt, kubernetes and token_file',
    'methods; file sinks), template and template_config blocks, env_template + exec, api_proxy with tcp and',
    'unix listeners, cache (leases, static secrets, stale_if_error), exit_after_auth and revoke_on_shutdown.',
    'Runs until SIGINT or SIGTERM (in exec mode, until the command exits).',
    'See docs/agent.md.',
  ].join('\n'),
  flags: [
    { name: 'config', kind: 'string', placeholder: 'FILE', usage: 'Path to the agent config file (HCL)' },
  ],
  offline: true,
  maxArgs: 0,
  async run(ctx) {
    const file = ctx.flags.string('config')
    if (!file) throw new UsageError('-config=FILE is required')
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new CliError(
        `Error reading ${file}: ${(error as NodeJS.ErrnoException).code ?? 'cannot read'}`,
        1,
      )
    }
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      const config = parseAgentConfig(text)
      return await runAgent(config, {
        env: ctx.env,
        signal: controller.signal,
        log: (level, message) =>
          ctx.err(`${new Date().toISOString()} [${level.toUpperCase()}] agent: ${message}`),
      })
    } catch (error) {
      if (error instanceof AgentConfigError) throw new CliError(`Error in ${file}: ${error.message}`, 1)
      if (error instanceof AgentStartError) throw new CliError(`Error: ${error.message}`, 1)
      throw error
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  },
}
