// `coffer run`'s lifecycle: read secrets, start the child with them, forward signals, watch for changes, revoke leases.
import type { VaultClient } from '../../client/index.ts'
import { ChildStartError, type RunningChild, startChild } from './child-process.ts'
import type { EnvFileTemplate } from './env-file-template.ts'
import { EnvMappingError, type FetchedSecret, mapToEnv } from './env-names.ts'
import { fetchSecrets, revokeLeaseIds, revokeLeases } from './fetch-secrets.ts'
import { SecretMasker } from './mask-stream.ts'
import type { SecretSpec } from './secret-spec.ts'

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
/** How long a child asked to stop for a restart gets before it is killed. */
const RESTART_GRACE_MS = 10_000

export interface RunSessionOptions {
  client: VaultClient
  specs: readonly SecretSpec[]
  command: string
  args: readonly string[]
  /** The environment the child inherits; the secrets are added on top. */
  baseEnv: Record<string, string | undefined>
  smMount: string
  /** -env-file-template: more variables, rendered in memory from a template of KEY=value lines. */
  envTemplate?: EnvFileTemplate | undefined
  mask: boolean
  /** Poll every intervalMs; on a change restart the child, or send it `signal` when given. */
  watch?: { intervalMs: number; signal?: NodeJS.Signals | undefined } | undefined
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Where coffer's own messages go (never with a secret value in them). */
  log(message: string): void
}

/** Exit status 127, as a shell gives when the command cannot be run. */
export const CANNOT_START = 127

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  )
}

/**
 * Run the command once (or again after each -watch restart) and resolve with its exit status. Errors reading the
 * secrets reject before anything starts; leases obtained are revoked on every way out.
 */
export async function runSession(options: RunSessionOptions): Promise<number> {
  let secrets: FetchedSecret[] = await fetchSecrets(options.client, options.specs, {
    smMount: options.smMount,
  })
  let leasesRevoked = false
  const revokeAll = async () => {
    if (leasesRevoked) return
    leasesRevoked = true
    for (const problem of await revokeLeases(options.client, secrets)) options.log(problem)
    if (options.envTemplate)
      for (const problem of await revokeLeaseIds(
        options.client,
        options.envTemplate.leaseIds,
        'the env file template',
      ))
        options.log(problem)
  }
  const buildEnv = async (from: FetchedSecret[]): Promise<Record<string, string>> => {
    const vars = mapToEnv(from)
    if (!options.envTemplate) return vars
    for (const [name, value] of Object.entries(await options.envTemplate.render())) {
      if (Object.hasOwn(vars, name))
        throw new EnvMappingError(`${name} would be set by both a -secret and the -env-file-template`)
      vars[name] = value
    }
    return vars
  }
  let env: Record<string, string>
  try {
    env = await buildEnv(secrets)
  } catch (error) {
    await revokeAll()
    throw error
  }
  const masker = options.mask ? new SecretMasker(Object.values(env)) : undefined
  const launch = () =>
    startChild({
      command: options.command,
      args: options.args,
      env: { ...options.baseEnv, ...env },
      masker,
      stdout: options.stdout,
      stderr: options.stderr,
    })

  let child: RunningChild
  try {
    child = await launch()
  } catch (error) {
    await revokeAll()
    if (error instanceof ChildStartError) {
      options.log(error.message)
      return CANNOT_START
    }
    throw error
  }

  const forward = (signal: NodeJS.Signals) => child.process.kill(signal)
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)

  let restarting: Promise<void> | undefined
  let polling = false
  let done = false
  const poll = async () => {
    if (polling || restarting) return
    polling = true
    try {
      // Leased secrets are kept: re-reading them would mint new credentials on every poll.
      const fresh = await fetchSecrets(
        options.client,
        options.specs.filter((spec) => !secrets.some((s) => s.spec === spec && s.leaseId)),
        { smMount: options.smMount },
      )
      const next = secrets.map((old) => (old.leaseId ? old : (fresh.find((s) => s.spec === old.spec) ?? old)))
      const nextEnv = await buildEnv(next)
      if (done || sameEnv(env, nextEnv)) return
      secrets = next
      // Old and new values both stay masked: output written before the change may still be in flight.
      masker?.setValues([...Object.values(env), ...Object.values(nextEnv)])
      env = nextEnv
      if (options.watch?.signal) {
        options.log(`secrets changed; sending ${options.watch.signal} to the command`)
        child.process.kill(options.watch.signal)
        return
      }
      options.log('secrets changed; restarting the command')
      restarting = restart()
    } catch (error) {
      options.log(
        `refreshing secrets failed, the command keeps its current values: ${(error as Error).message}`,
      )
    } finally {
      polling = false
    }
  }
  const restart = async () => {
    const old = child
    old.process.kill('SIGTERM')
    const killer = setTimeout(() => old.process.kill('SIGKILL'), RESTART_GRACE_MS)
    await old.exited
    clearTimeout(killer)
    child = await launch()
    restarting = undefined
  }
  const timer = options.watch ? setInterval(() => void poll(), options.watch.intervalMs) : undefined

  try {
    for (;;) {
      const current = child
      const status = await current.exited
      // An exit we caused for a restart is not the end: wait for the new child instead.
      if (restarting) {
        await restarting
        continue
      }
      if (current !== child) continue
      return status
    }
  } catch (error) {
    if (error instanceof ChildStartError) {
      options.log(error.message)
      return CANNOT_START
    }
    throw error
  } finally {
    done = true
    if (timer) clearInterval(timer)
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward)
    await revokeAll()
  }
}
