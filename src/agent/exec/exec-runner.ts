// The agent's exec mode: render env_template blocks, run the child with them, restart it when a value changes.
import type { VaultClient } from '../../client/index.ts'
import { Alarm } from '../alarm.ts'
import type { EnvTemplateConfig, ExecConfig } from '../config/agent-config.ts'
import { SecretReadError, SecretReader } from '../render/secret-reader.ts'
import { type RunningChild, startChild } from '../run/child-process.ts'
import { executeTemplate, parseTemplate } from '../template/index.ts'
import type { Node } from '../template/parse.ts'

export interface ExecRunnerOptions {
  client: VaultClient
  exec: ExecConfig
  envTemplates: readonly EnvTemplateConfig[]
  baseEnv: Record<string, string | undefined>
  renderIntervalMs: number
  signal: AbortSignal
  log(level: 'info' | 'error', message: string): void
  onForbidden(): void
}

/** How long a child asked to stop (restart or shutdown) gets before SIGKILL. */
const STOP_GRACE_MS = 10_000

export class ExecRunner {
  readonly #options: ExecRunnerOptions
  readonly #parsed: { config: EnvTemplateConfig; nodes: Node[] }[]
  readonly #reader: SecretReader
  readonly #alarm = new Alarm()

  constructor(options: ExecRunnerOptions) {
    this.#options = options
    this.#parsed = options.envTemplates.map((config) => {
      try {
        return { config, nodes: parseTemplate(config.contents) }
      } catch (error) {
        throw new Error(`env_template "${config.name}": ${(error as Error).message}`)
      }
    })
    this.#reader = new SecretReader(options.client)
    options.signal.addEventListener('abort', () => this.#alarm.wake())
  }

  /** Every lease the env templates obtained, for revoke_on_shutdown. */
  get leaseIds(): string[] {
    return this.#reader.leaseIds
  }

  /** Render now instead of at the next interval (a new token arrived). */
  wake(): void {
    this.#alarm.wake()
  }

  /** Every env_template's value, or undefined when one failed (logged without values). */
  async #render(): Promise<Record<string, string> | undefined> {
    this.#reader.newCycle()
    const host = {
      secret: (path: string, data: Record<string, string> | undefined) => this.#reader.read(path, data),
      env: (name: string) => this.#options.baseEnv[name] ?? '',
    }
    const vars: Record<string, string> = {}
    let forbidden = false
    let failed = false
    for (const { config, nodes } of this.#parsed) {
      try {
        vars[config.name] = await executeTemplate(
          nodes,
          {},
          { errorOnMissingKey: config.errorOnMissingKey, host },
        )
      } catch (error) {
        failed = true
        if (error instanceof SecretReadError && error.forbidden) forbidden = true
        this.#options.log('error', `env_template "${config.name}": ${(error as Error).message}`)
      }
    }
    if (forbidden) this.#options.onForbidden()
    return failed ? undefined : vars
  }

  async #stop(child: RunningChild, signal: NodeJS.Signals): Promise<number> {
    child.process.kill(signal)
    const killer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS)
    const status = await child.exited
    clearTimeout(killer)
    return status
  }

  /** Run until the child exits on its own (resolves with its status) or the agent stops (0). */
  async run(): Promise<number> {
    const { exec, signal } = this.#options
    let vars = await this.#render()
    while (!vars) {
      await this.#alarm.sleep(this.#options.renderIntervalMs)
      if (signal.aborted) return 0
      vars = await this.#render()
    }
    const launch = (env: Record<string, string>) =>
      startChild({
        command: exec.command[0]!,
        args: exec.command.slice(1),
        env: { ...this.#options.baseEnv, ...env },
        stdout: process.stdout,
        stderr: process.stderr,
      })
    let child = await launch(vars)
    this.#options.log('info', `started ${exec.command[0]} (pid ${child.process.pid})`)
    // A child we stop for a restart is not "exiting on its own": its status is ignored.
    let replaced: RunningChild | undefined
    let exitedStatus: number | undefined
    const watch = (running: RunningChild) => {
      void running.exited.then((status) => {
        if (running === replaced) return
        exitedStatus = status
        this.#alarm.wake()
      })
    }
    watch(child)
    for (;;) {
      // The exit may have woken an alarm nobody was sleeping on (during a render): look before sleeping.
      if (exitedStatus === undefined && !signal.aborted)
        await this.#alarm.sleep(this.#options.renderIntervalMs)
      if (exitedStatus !== undefined) {
        this.#options.log('info', `${exec.command[0]} exited with status ${exitedStatus}`)
        return exitedStatus
      }
      if (signal.aborted) {
        await this.#stop(child, 'SIGTERM')
        return 0
      }
      const next = await this.#render()
      if (!next || JSON.stringify(next) === JSON.stringify(vars)) continue
      vars = next
      if (!exec.restartOnSecretChanges) continue
      this.#options.log('info', `an env_template changed; restarting ${exec.command[0]}`)
      replaced = child
      await this.#stop(child, exec.restartStopSignal)
      child = await launch(vars)
      watch(child)
    }
  }
}
