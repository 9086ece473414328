// Render every template block: parse once, render each cycle, write atomically when the output changes, run commands.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { VaultClient } from '../../client/index.ts'
import type { TemplateConfig } from '../config/agent-config.ts'
import { writeFileAtomic } from '../files/atomic-write.ts'
import { executeTemplate, parseTemplate } from '../template/index.ts'
import type { Node } from '../template/parse.ts'
import { SecretReadError, SecretReader } from './secret-reader.ts'

export interface TemplateRunnerOptions {
  client: VaultClient
  templates: readonly TemplateConfig[]
  env: Record<string, string | undefined>
  log(level: 'info' | 'error', message: string): void
  /** A read was refused (403): the token may have been revoked. */
  onForbidden(): void
}

interface Loaded {
  config: TemplateConfig
  nodes: Node[]
  /** What was last written (or found identical), so an unchanged render does not touch the file or run the command. */
  lastOutput: string | undefined
}

export interface CycleResult {
  rendered: number
  failed: number
  /** When a leased secret used by a template needs fetching again, or Infinity. */
  nextLeaseRefresh: number
}

function describeTemplate(config: TemplateConfig): string {
  return config.source ?? `contents at line ${config.line}`
}

/** Load and parse the templates; a syntax error stops the agent before it starts. */
export function loadTemplates(templates: readonly TemplateConfig[]): Loaded[] {
  return templates.map((config) => {
    const text = config.contents ?? readFileSync(config.source!, 'utf8')
    try {
      return {
        config,
        nodes: parseTemplate(text, { left: config.leftDelimiter, right: config.rightDelimiter }),
        lastOutput: undefined,
      }
    } catch (error) {
      throw new Error(`template ${describeTemplate(config)}: ${(error as Error).message}`)
    }
  })
}

export class TemplateRunner {
  readonly #options: TemplateRunnerOptions
  readonly #loaded: Loaded[]
  readonly #reader: SecretReader

  constructor(options: TemplateRunnerOptions) {
    this.#options = options
    this.#loaded = loadTemplates(options.templates)
    this.#reader = new SecretReader(options.client)
  }

  /** Every lease the templates obtained, for revoke_on_shutdown. */
  get leaseIds(): string[] {
    return this.#reader.leaseIds
  }

  /** One render cycle over every template; a failing template keeps its last good file. */
  async renderAll(): Promise<CycleResult> {
    this.#reader.newCycle()
    let rendered = 0
    let failed = 0
    let forbidden = false
    const host = {
      secret: (path: string, data: Record<string, string> | undefined) => this.#reader.read(path, data),
      env: (name: string) => this.#options.env[name] ?? '',
    }
    await Promise.all(
      this.#loaded.map(async (template) => {
        const { config } = template
        let output: string
        try {
          output = await executeTemplate(
            template.nodes,
            {},
            { errorOnMissingKey: config.errorOnMissingKey, host },
          )
        } catch (error) {
          failed++
          if (error instanceof SecretReadError && error.forbidden) forbidden = true
          this.#options.log(
            'error',
            `template ${describeTemplate(config)}: ${(error as Error).message}; ${config.destination} keeps its last contents`,
          )
          return
        }
        if (output === template.lastOutput) return
        try {
          writeFileAtomic(config.destination, output, config.perms, config.createDestDirs)
        } catch (error) {
          failed++
          this.#options.log(
            'error',
            `cannot write ${config.destination}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          )
          return
        }
        template.lastOutput = output
        rendered++
        this.#options.log('info', `rendered ${config.destination}`)
        if (config.command) await this.#runCommand(config)
      }),
    )
    if (forbidden) this.#options.onForbidden()
    return { rendered, failed, nextLeaseRefresh: this.#reader.nextLeaseRefresh }
  }

  async #runCommand(config: TemplateConfig): Promise<void> {
    const command = config.command!
    const child = Array.isArray(command)
      ? spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: this.#options.env })
      : spawn('/bin/sh', ['-c', command], { stdio: 'inherit', env: this.#options.env })
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1))
      child.once('close', (status) => resolve(status))
    })
    if (code !== 0) this.#options.log('error', `the command of ${config.destination} failed (exit ${code})`)
  }
}
