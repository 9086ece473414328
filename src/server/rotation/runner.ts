// The server's rotation runner: resolves a RotationLambdaARN to a built-in or registered function and runs its steps.
import { errorMessage } from '../../lib/error-message.ts'
import type { Logger } from '../../lib/logger.ts'
import type {
  KvRotationEvent,
  KvRotationFunction,
  RotationEvent,
  RotationFunction,
} from '../../sdk/rotation.ts'
import type {
  RotationKind,
  RotationRunner,
  RotationSession,
  RotationTarget,
} from '../../sdk/rotation-runner.ts'
import type { RegisteredFunction } from '../config/rotation-function-config.ts'
import type { RequestCore } from '../core/handle-request.ts'
import { functionNameOf } from './function-name.ts'
import { kvPipelineApi } from './kv-pipeline-api.ts'
import { removeLeftovers } from './leftovers.ts'
import { pipelineApi } from './pipeline-api.ts'
import { runCommand } from './run-command.ts'
import { callWebhook } from './run-webhook.ts'
import { mintScopedCredentials, newCredentialsId } from './scoped-credentials.ts'

export interface RunnerOptions {
  /** The core, once it exists (the runner is built before it and used only after unseal). */
  core: () => RequestCore
  /** Built-in functions by name: in-process, calling Secrets Manager through the pipeline. */
  builtins: Record<string, RotationFunction>
  /** Built-in functions for KV v2 secrets, by name. */
  kvBuiltins?: Record<string, KvRotationFunction>
  /** The config file's rotation_function blocks: commands and webhooks only an operator can register. */
  registered: Record<string, RegisteredFunction>
  /** The server's own address, for commands and webhooks to call back (the AWS front door is at its root). */
  endpoint: () => string
  logger: Logger
  now: () => number
}

/** A built-in's credentials outlive its steps by this much; commands and webhooks add their four timeouts. */
const BUILTIN_TTL_SECONDS = 600

export function createRotationRunner(opts: RunnerOptions): RotationRunner {
  const kvBuiltins = opts.kvBuiltins ?? {}
  const builtinsOf = (kind: RotationKind) => (kind === 'kv' ? kvBuiltins : opts.builtins)
  // A block naming a built-in that does not exist is a configuration mistake: refuse to start rather than fail later.
  for (const [name, fn] of Object.entries(opts.registered))
    if (fn.kind === 'builtin' && !(fn.builtin in opts.builtins) && !(fn.builtin in kvBuiltins))
      throw new Error(
        `rotation_function.${name}.builtin: no built-in rotation function is named ${JSON.stringify(fn.builtin)} (built-ins: ${[...new Set([...Object.keys(opts.builtins), ...Object.keys(kvBuiltins)])].join(', ')})`,
      )
  /** The credential ids of the attempts running now: everything else named like them is a leftover. */
  const live = new Set<string>()
  // A registered name wins over a built-in of the same name: the operator chose it explicitly.
  // A block naming a built-in serves the kinds that built-in serves; commands and webhooks serve both.
  const resolve = (lambdaArn: string, kind: RotationKind = 'secretsmanager') => {
    const name = functionNameOf(lambdaArn)
    if (name === undefined) return undefined
    const block = opts.registered[name]
    if (block) return block.kind !== 'builtin' || block.builtin in builtinsOf(kind) ? name : undefined
    return name in builtinsOf(kind) ? name : undefined
  }
  return {
    resolve,
    open: async (target: RotationTarget): Promise<RotationSession> => {
      const core = opts.core()
      const kind = target.kind ?? 'secretsmanager'
      const block = opts.registered[target.functionName]
      // A registered block naming a built-in runs that built-in, with the block's extra policies.
      const builtin =
        block?.kind === 'builtin'
          ? builtinsOf(kind)[block.builtin]
          : block
            ? undefined
            : builtinsOf(kind)[target.functionName]
      const registered = block?.kind === 'builtin' ? undefined : block
      if (!registered && !builtin) throw new Error(`no rotation function named ${target.functionName}`)
      const ttlSeconds = registered ? Math.ceil((4 * registered.timeoutMs) / 1000) + 60 : BUILTIN_TTL_SECONDS
      // With no attempt running here (rotations run on the active node only), every temporary name is a leftover.
      if (live.size === 0) {
        const removed = await removeLeftovers(core, live).catch((error) => {
          opts.logger.log('warn', 'removing leftover rotation credentials failed', {
            error: errorMessage(error),
          })
          return 0
        })
        if (removed > 0) opts.logger.log('info', 'removed leftover rotation credentials', { count: removed })
      }
      const id = newCredentialsId()
      live.add(id)
      let credentials: Awaited<ReturnType<typeof mintScopedCredentials>>
      try {
        credentials = await mintScopedCredentials(core, target, {
          id,
          ttlSeconds,
          // KV functions use the Vault API with the token; only Secrets Manager's sign AWS requests.
          awsSession: !!registered && kind === 'secretsmanager',
          extraPolicies: block?.policies ?? [],
        })
      } catch (error) {
        live.delete(id)
        throw error
      }
      const log = opts.logger.child({
        component: 'rotation',
        secret: `${target.mountPath}${target.secretName}`,
      })
      log.log('info', 'rotation credentials issued', { function: target.functionName })
      let requests = 0
      return {
        step: async (event, signal) => {
          const requestId = () => `rotation-${event.ClientRequestToken}-${event.Step}-${++requests}`
          if (builtin && kind === 'kv') {
            const api = kvPipelineApi(core, {
              token: credentials.token,
              mountPath: target.mountPath,
              path: target.secretName,
              requestId,
            })
            return (builtin as KvRotationFunction)(event as KvRotationEvent, api)
          }
          if (builtin) {
            const api = pipelineApi(core, {
              token: credentials.token,
              mountPath: target.mountPath,
              region: target.region,
              requestId,
            })
            return (builtin as RotationFunction)(event as RotationEvent, api)
          }
          const env =
            kind === 'kv'
              ? { endpoint: opts.endpoint(), region: target.region, vaultToken: credentials.token }
              : { endpoint: opts.endpoint(), region: target.region, credentials: credentials.aws! }
          try {
            if (registered!.kind === 'command') return await runCommand(registered!, event, env, signal)
            return await callWebhook(registered!, event, env, signal, opts.now)
          } catch (error) {
            // A function that echoes its environment must not put its credentials into the failure report.
            let message = errorMessage(error)
            for (const secret of [
              credentials.aws?.secretAccessKey,
              credentials.aws?.sessionToken,
              credentials.token,
            ].filter((s): s is string => s !== undefined))
              message = message.split(secret).join('[redacted]')
            throw new Error(message)
          }
        },
        close: async () => {
          try {
            await credentials.revoke()
            live.delete(id)
            log.log('info', 'rotation credentials revoked', { function: target.functionName })
          } catch (error) {
            log.log('error', 'revoking rotation credentials failed', { error: errorMessage(error) })
          }
        },
      }
    },
  }
}
