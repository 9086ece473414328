// `coffer agent`: authenticate (auto_auth), keep the token alive in its sinks, and keep the templates rendered.
import { ConnectionError, VaultClient } from '../client/index.ts'
import { Alarm } from './alarm.ts'
import { AuthLoop } from './auto-auth/auth-loop.ts'
import { AuthMethod } from './auto-auth/methods.ts'
import type { AgentConfig } from './config/agent-config.ts'
import { ExecRunner } from './exec/exec-runner.ts'
import { type RunningProxy, startApiProxy } from './proxy/api-proxy.ts'
import { EventWatch } from './proxy/event-watch.ts'
import { KvMounts } from './proxy/kv-mounts.ts'
import { LeaseCache } from './proxy/lease-cache.ts'
import { ProxyCaching } from './proxy/proxy-caching.ts'
import { ServerContact } from './proxy/server-contact.ts'
import { StaticCache } from './proxy/static-cache.ts'
import { TemplateRunner } from './render/template-runner.ts'
import { ChildStartError } from './run/child-process.ts'
import { CANNOT_START } from './run/run-session.ts'
import { revokeOnShutdown } from './shutdown-revoke.ts'

const DEFAULT_ADDRESS = 'http://127.0.0.1:8200'
/** The longest a live token goes unchecked between renewals. */
const MAX_CHECK_INTERVAL_MS = 60_000

export interface AgentOptions {
  env: Record<string, string | undefined>
  log(level: 'info' | 'error', message: string): void
  /** Aborting stops the agent; runAgent then resolves. */
  signal: AbortSignal
}

export class AgentStartError extends Error {}

function clientFor(config: AgentConfig, env: AgentOptions['env']): VaultClient {
  const address = config.vault.address ?? env['VAULT_ADDR'] ?? env['COFFER_ADDR'] ?? DEFAULT_ADDRESS
  const token = config.autoAuth ? undefined : (env['VAULT_TOKEN'] ?? env['COFFER_TOKEN'])
  if (!config.autoAuth && !token)
    throw new AgentStartError('no auto_auth block and no VAULT_TOKEN: the agent has no way to authenticate')
  const caCert = config.vault.caCert ?? env['VAULT_CACERT']
  return new VaultClient({
    address,
    ...(token ? { token } : {}),
    ...(caCert ? { caCert } : {}),
    skipVerify: config.vault.tlsSkipVerify,
  })
}

/**
 * Whether `token` may still read `path`: sys/capabilities-self, asked with that token. A server that cannot be
 * reached is not a "no": the ConnectionError goes to the caller, which decides what an outage means.
 */
async function canRead(client: VaultClient, token: string, path: string): Promise<boolean> {
  try {
    const res = await client.request('POST', 'sys/capabilities-self', {
      body: { paths: [path] },
      headers: { 'X-Vault-Token': token },
    })
    const data = (res.body?.data ?? res.body ?? {}) as Record<string, unknown>
    const found = data[path] ?? data['capabilities']
    return Array.isArray(found) && (found.includes('read') || found.includes('root'))
  } catch (error) {
    if (error instanceof ConnectionError) throw error
    return false
  }
}

interface CacheParts {
  caching: ProxyCaching
  watch: EventWatch | undefined
}

/** The proxy cache and, when static secrets or stale_if_error need them, the change events that keep it true. */
function startCache(
  config: AgentConfig,
  client: VaultClient,
  auth: AuthLoop | undefined,
  options: AgentOptions,
): CacheParts | undefined {
  const settings = config.cache
  if (!settings || !config.listeners.some((l) => l.cache)) return undefined
  const contact = new ServerContact({
    staleIfErrorMs: settings.staleIfErrorMs,
    onPurge: () => cache.purge(),
  })
  const cache: ProxyCaching = new ProxyCaching({
    leases: new LeaseCache(client, () => contact.now()),
    statics: settings.staticSecrets ? new StaticCache() : undefined,
    mounts: new KvMounts(client),
    contact,
    agentToken: () => auth?.token ?? client.token,
    canRead: (token, path) => canRead(client, token, path),
    log: options.log,
  })
  const parts: CacheParts = { caching: cache, watch: undefined }
  if (settings.staticSecrets || settings.staleIfErrorMs > 0) {
    let refusedLogged = false
    parts.watch = new EventWatch({
      address: client.address,
      caCert: config.vault.caCert ?? options.env['VAULT_CACERT'],
      tlsSkipVerify: config.vault.tlsSkipVerify,
      token: () => auth?.token ?? client.token,
      onEvent: (event) => cache.onEvent(event),
      onState: (up) => {
        if (up) {
          refusedLogged = false
          options.log('info', 'api proxy cache: change events connected')
          contact.streamUp()
        } else {
          options.log(
            'info',
            'api proxy cache: change events lost; static entries are not served until they are back',
          )
          contact.streamDown()
        }
      },
      onRefused: (status) => {
        contact.serverAnswered()
        if (refusedLogged) return
        refusedLogged = true
        options.log(
          'error',
          `api proxy cache: the server refused the change event subscription (HTTP ${status}); static secrets are not cached and nothing is served stale`,
        )
      },
      // The server said so itself (a close it sent, not a lost connection): it is up, and what was cached for the
      // agent's token is void. Dropped at once, before the server has any chance to go down.
      onTokenRevoked: () => {
        contact.serverAnswered()
        cache.clear()
      },
      // The same for a change of the agent's token's policies: a copy it read may be one it may no longer read, and
      // must not be served stale should the server go down before the subscription is open again.
      onAccessChanged: () => {
        contact.serverAnswered()
        cache.clear()
      },
      log: options.log,
    })
    parts.watch.start()
  }
  // Entries belong to tokens; a new agent token is a cheap moment to start afresh, and to subscribe with it.
  auth?.onToken(() => {
    cache.clear()
    parts.watch?.restart()
  })
  return parts
}

/** Run until `signal` aborts (or once, with exit_after_auth); resolves with the exit code. */
export async function runAgent(config: AgentConfig, options: AgentOptions): Promise<number> {
  const client = clientFor(config, options.env)
  // Stops every loop: the caller's signal, or the exec child exiting on its own.
  const stopAll = new AbortController()
  const stopSignal = stopAll.signal
  options.signal.addEventListener('abort', () => stopAll.abort())
  const renderAlarm = new Alarm()
  let auth: AuthLoop | undefined
  const onForbidden = () => auth?.requestCheck()
  const runner =
    config.templates.length > 0
      ? new TemplateRunner({
          client,
          templates: config.templates,
          env: options.env,
          log: options.log,
          onForbidden,
        })
      : undefined
  const execRunner = config.exec
    ? new ExecRunner({
        client,
        exec: config.exec,
        envTemplates: config.envTemplates,
        baseEnv: options.env,
        renderIntervalMs: config.renderIntervalMs,
        signal: stopSignal,
        log: options.log,
        onForbidden,
      })
    : undefined
  stopSignal.addEventListener('abort', () => {
    renderAlarm.wake()
    auth?.stop()
  })
  if (config.autoAuth) {
    auth = new AuthLoop({
      client,
      method: new AuthMethod(config.autoAuth.method),
      sinks: config.autoAuth.sinks,
      checkIntervalMs: Math.min(config.renderIntervalMs, MAX_CHECK_INTERVAL_MS),
      log: options.log,
    })
    if (stopSignal.aborted) auth.stop()
    await auth.authenticate()
    // A new token renders again at once: a template that failed with the old one should not wait a whole interval.
    auth.onToken(() => {
      renderAlarm.wake()
      execRunner?.wake()
    })
  }
  const proxies: RunningProxy[] = []
  let cacheParts: CacheParts | undefined
  try {
    if (!config.exitAfterAuth) {
      const upstream = client.urlFor('')
      cacheParts = startCache(config, client, auth, options)
      for (const listener of config.listeners) {
        proxies.push(
          await startApiProxy({
            listener,
            upstream: new URL(upstream.origin),
            caCert: config.vault.caCert ?? options.env['VAULT_CACERT'],
            tlsSkipVerify: config.vault.tlsSkipVerify,
            useAutoAuthToken: listener.useAutoAuthToken,
            caching: listener.cache ? cacheParts?.caching : undefined,
            token: () => auth?.token,
            onForbidden,
            log: options.log,
          }),
        )
      }
    }
    if (config.exitAfterAuth) {
      if (runner) {
        const result = await runner.renderAll()
        if (result.failed > 0) return 1
      }
      options.log('info', 'exit_after_auth is set: exiting')
      return 0
    }
    const maintaining = auth
      ?.maintain()
      .catch((error: unknown) => options.log('error', `auto-auth stopped: ${(error as Error).message}`))
    const rendering = (async () => {
      while (runner && !stopSignal.aborted) {
        const result = await runner.renderAll()
        if (stopSignal.aborted) break
        await renderAlarm.sleep(
          Math.min(config.renderIntervalMs, Math.max(1000, result.nextLeaseRefresh - Date.now())),
        )
      }
    })()
    let exitCode = 0
    if (execRunner) {
      try {
        exitCode = await execRunner.run()
      } catch (error) {
        if (!(error instanceof ChildStartError)) throw error
        options.log('error', error.message)
        exitCode = CANNOT_START
      }
      stopAll.abort()
    } else {
      await new Promise<void>((resolve) => {
        if (stopSignal.aborted) resolve()
        else stopSignal.addEventListener('abort', () => resolve())
      })
    }
    await rendering
    auth?.stop()
    await maintaining
    if (config.revokeOnShutdown)
      await revokeOnShutdown({
        client,
        leaseIds: [...(runner?.leaseIds ?? []), ...(execRunner?.leaseIds ?? [])],
        revokeToken: config.autoAuth !== undefined && config.autoAuth.method.type !== 'token_file',
        log: options.log,
      })
    return exitCode
  } finally {
    cacheParts?.watch?.close()
    for (const proxy of proxies) await proxy.close()
    client.close()
  }
}
