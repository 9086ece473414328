// Composition root: storage, core, sys backend and listeners wired together; dev mode initialises and unseals.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_ANOMALY_CONFIG, mergeAnomalyConfig } from '../lib/anomaly-config.ts'
import { parseDuration } from '../lib/duration.ts'
import { DEFAULT_JSON_LIMITS, type JsonLimits } from '../lib/json-limits.ts'
import { createLogger, type Logger, type LogLevel, silentLogger } from '../lib/logger.ts'
import { writePrivateFile } from '../lib/private-file.ts'
import { type Clock, systemClock } from '../lib/time.ts'
import { COFFER_VERSION } from '../lib/version.ts'
import type { BackendDefinition } from '../sdk/framework/backend.ts'
import type { RotationFunction } from '../sdk/rotation.ts'
import type { RotationListener } from '../sdk/rotation-runner.ts'
import type { EventSinkConfig } from './config/event-sink-config.ts'
import type { ListenerConfig, ServerConfig } from './config/load-config.ts'
import type { RegisteredFunction } from './config/rotation-function-config.ts'
import { sanitizedConfig } from './config/sanitized-config.ts'
import type { TelemetryConfig } from './config/telemetry-config.ts'
import { Core, type CoreOptions } from './core/core.ts'
import type { HaTuning } from './core/ha/coordinator.ts'
import { handleRequest } from './core/handle-request.ts'
import { type DevAwsKeys, ensureDevAwsKeys } from './dev-aws.ts'
import { type RunningSinks, startSinks } from './events/sinks.ts'
import { type ListenerTls, type RunningListener, startListener } from './http/listener.ts'
import { ServerMetrics } from './metrics/server-metrics.ts'
import { type OpenedHa, openStorage } from './open-storage.ts'
import { MemoryStorage } from './physical/memory.ts'
import type { PhysicalStorage } from './physical/physical.ts'
import { SqliteStorage } from './physical/sqlite.ts'
import { authMethods, secretEngines } from './registry.ts'
import { BUILTIN_ROTATORS, KV_BUILTIN_ROTATORS } from './rotation/builtins.ts'
import { createRotationRunner } from './rotation/runner.ts'
import { createSystemBackend } from './system/backend.ts'

export interface StartOptions {
  dev?: boolean
  /** Dev mode: host:port to listen on (default 127.0.0.1:8200; port 0 picks a free one). */
  listenAddress?: string
  devRootTokenId?: string
  /** Dev mode: set up the AWS face (secretsmanager/, auth/aws-keys/, a key pair); on unless false. */
  devAws?: boolean
  /** Dev mode: the AWS access key pair to create for the root identity (both, or neither for a fresh pair). */
  devAwsAccessKeyId?: string
  devAwsSecretAccessKey?: string
  /** Dev mode: where SQLite data and the dev unseal key live (default ./.coffer/dev). */
  dataDir?: string
  /** Dev mode: keep everything in memory. */
  inmem?: boolean
  /** Dev mode: write the root token to ~/.coffer-token (off for tests). */
  storeToken?: boolean
  config?: ServerConfig
  logLevel?: LogLevel
  logger?: Logger
  /** Tests pass a controllable clock so TTLs can be crossed without waiting. */
  clock?: Clock
  /** Engines beside the built-in registry, for benchmarks that need a lease-issuing engine of their own. */
  extraSecretEngines?: Record<string, BackendDefinition<unknown>>
  /** Expiry loop tuning; tests shorten the revocation retry backoff. */
  expiration?: CoreOptions['expiration']
  /** HA lock timing; tests shorten it. */
  haTuning?: Partial<HaTuning>
  /** Rotation commands and webhooks (the config file's rotation_function blocks); dev mode takes them from here. */
  rotationFunctions?: Record<string, RegisteredFunction>
  /** Built-in rotation functions beside the server's own (tests add functions that fail on purpose). */
  extraRotationBuiltins?: Record<string, RotationFunction>
  /** Told of every rotation's start, success and failure (the event bus subscribes here). */
  onRotation?: RotationListener
  /** Event sinks besides the config file's event_sink blocks (dev mode has no config file). */
  eventSinks?: EventSinkConfig[]
  /** Dev mode: the telemetry block a config file would give (the per-path access count's depth and cap). */
  telemetry?: TelemetryConfig
  /** Dev mode: sys/metrics on the listener answers without a token, as a listener's telemetry block allows. */
  unauthenticatedMetricsAccess?: boolean
  /** COFFER_DISABLE_USER_LOCKOUT as main read it: lockout off (true) or on (false) for every mount, over tunes. */
  disableUserLockout?: boolean
  /** Where sys/reports/compliance reads access reviews and anomalies, asked for at each unseal. */
  complianceProviders?: CoreOptions['complianceProviders']
  /** Dev mode: the anomaly_detection block a config file would give (fields as the block spells them). */
  anomalyDetection?: Record<string, unknown>
  /** How often the anomaly detector writes its baselines behind the barrier (tests shorten it). */
  anomalyFlushIntervalMs?: number
}

export interface RunningServer {
  address: string
  rootToken: string
  unsealKey: string
  /** Dev mode: the access key pair for the AWS APIs (Secrets Manager at the server's root path). */
  awsKeys?: DevAwsKeys
  core: Core
  /** The config file's event sinks (none in dev mode unless given). */
  sinks: RunningSinks
  /** The metrics registry sys/metrics renders (tests read it in process). */
  metrics: ServerMetrics
  close(): Promise<void>
}

interface DevKeys {
  unseal_key: string
  root_token: string
}

const DEV_LEASE_TTL = parseDuration('768h')

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const logger = options.logger ?? (options.logLevel ? createLogger(options.logLevel) : silentLogger)
  const config = options.config
  if (!options.dev && !config) throw new Error('a config file is required unless -dev is given')

  let physical: PhysicalStorage
  let storageType: string
  let ha: OpenedHa | undefined
  let devKeysFile: string | undefined
  if (options.dev) {
    if (options.inmem) {
      physical = new MemoryStorage()
      storageType = 'inmem'
    } else {
      const dir = resolve(options.dataDir ?? join('.coffer', 'dev'))
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      physical = SqliteStorage.open(join(dir, 'coffer.db'), { logger })
      storageType = 'sqlite'
      devKeysFile = join(dir, 'dev-keys.json')
    }
  } else {
    ;({ physical, type: storageType, ha } = await openStorage(config!.storage, logger))
  }

  const listeners: RunningListener[] = []
  const rotation = createRotationRunner({
    core: () => core,
    builtins: { ...BUILTIN_ROTATORS, ...options.extraRotationBuiltins },
    kvBuiltins: KV_BUILTIN_ROTATORS,
    registered: options.rotationFunctions ?? config?.rotationFunctions ?? {},
    endpoint: () => config?.apiAddr ?? listeners[0]?.url ?? '',
    logger,
    now: () => (options.clock ?? systemClock).now(),
  })
  const telemetry = config?.telemetry ?? options.telemetry ?? {}
  const anomalyDetection =
    config?.anomalyDetection ??
    (options.anomalyDetection
      ? mergeAnomalyConfig(
          { ...DEFAULT_ANOMALY_CONFIG, enabled: true },
          options.anomalyDetection,
          'anomaly_detection',
        )
      : undefined)
  // Built once the core exists (it reads the core's counters when scraped); sys/metrics reaches it at unseal.
  let metrics: ServerMetrics | undefined
  const core: Core = new Core({
    metrics: {
      ...(telemetry.secretAccessPathDepth !== undefined
        ? { accessPathDepth: telemetry.secretAccessPathDepth }
        : {}),
      ...(telemetry.secretAccessPathLimit !== undefined
        ? { accessPathLimit: telemetry.secretAccessPathLimit }
        : {}),
    },
    metricsExposition: () => metrics,
    ...(options.complianceProviders ? { complianceProviders: options.complianceProviders } : {}),
    ...(anomalyDetection ? { anomalyDetection } : {}),
    ...(options.anomalyFlushIntervalMs ? { anomalyFlushIntervalMs: options.anomalyFlushIntervalMs } : {}),
    rotation,
    ...(options.onRotation ? { rotationEvents: options.onRotation } : {}),
    physical,
    storageType,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.expiration ? { expiration: options.expiration } : {}),
    ...(config?.userLockout ? { userLockoutDefaults: config.userLockout } : {}),
    ...(options.disableUserLockout !== undefined ? { userLockoutDisabled: options.disableUserLockout } : {}),
    ...(config?.listFilter ? { listFilter: config.listFilter } : {}),
    defaultLeaseTtl: config?.defaultLeaseTtl ?? DEV_LEASE_TTL,
    maxLeaseTtl: config?.maxLeaseTtl ?? DEV_LEASE_TTL,
    registry: { secret: { ...secretEngines, ...options.extraSecretEngines }, auth: authMethods },
    systemBackend: (core) => createSystemBackend(core, { version: COFFER_VERSION }),
    version: COFFER_VERSION,
    sanitizedConfig: () =>
      sanitizedConfig(
        config ?? devConfig(options, storageType, logger.levels?.configured ?? options.logLevel ?? 'info'),
      ),
    // As Vault does without api_addr, fall back to the listener's own address (known once it listens).
    apiAddr: () => config?.apiAddr ?? listeners[0]?.url ?? '',
    ...(ha
      ? {
          ha: {
            backend: ha.backend,
            identity: {
              // Read when the node competes for the lock, after the listeners are up.
              get apiAddr() {
                return config?.apiAddr ?? listeners[0]?.url ?? ''
              },
              clusterAddr: config?.clusterAddr ?? '',
              version: COFFER_VERSION,
            },
            ...(options.haTuning ? { tuning: options.haTuning } : {}),
            changes: ha.changes,
          },
        }
      : {}),
  })
  if (ha && core.ha) ha.fenceWrites(core.ha.nodeId)
  // Sinks listen before anything can change, and never hold up a request (see events/sink.ts).
  const sinks = startSinks(
    core.events,
    [...(config?.eventSinks ?? []), ...(options.eventSinks ?? [])],
    logger,
  )
  metrics = new ServerMetrics(
    { core, sinks: () => sinks.status() },
    telemetry.prometheusRetentionSeconds !== undefined
      ? { prometheusRetentionSeconds: telemetry.prometheusRetentionSeconds }
      : {},
  )
  await core.start()

  let rootToken = ''
  let unsealKey = ''
  let awsKeys: DevAwsKeys | undefined
  if (options.dev) {
    ;({ rootToken, unsealKey } = await devInitialize(core, devKeysFile, options.devRootTokenId))
    if (options.devAws !== false)
      awsKeys = await ensureDevAwsKeys(
        core,
        rootToken,
        {
          ...(options.devAwsAccessKeyId ? { accessKeyId: options.devAwsAccessKeyId } : {}),
          ...(options.devAwsSecretAccessKey ? { secretAccessKey: options.devAwsSecretAccessKey } : {}),
        },
        devKeysFile,
      )
  }

  const listenerConfigs = options.dev
    ? [
        {
          address: options.listenAddress ?? '127.0.0.1:8200',
          maxRequestSize: 32 * 1024 * 1024,
          ...(options.unauthenticatedMetricsAccess ? { unauthenticatedMetrics: metrics } : {}),
        },
      ]
    : config!.listeners.map((l) => ({
        address: l.address,
        maxRequestSize: l.maxRequestSize,
        ...(l.unauthenticatedMetricsAccess ? { unauthenticatedMetrics: metrics } : {}),
        jsonLimits: listenerJsonLimits(l),
        ...(l.httpReadHeaderTimeout ? { readHeaderTimeoutMs: l.httpReadHeaderTimeout * 1000 } : {}),
        ...(l.httpReadTimeout ? { readTimeoutMs: l.httpReadTimeout * 1000 } : {}),
        ...(l.tlsDisable ? {} : { tls: listenerTls(l) }),
      }))
  try {
    for (const listener of listenerConfigs)
      listeners.push(await startListener({ core, logger }, listener, logger))
  } catch (error) {
    for (const l of listeners) await l.close()
    await core.close()
    await sinks.close()
    await physical.close()
    throw error
  }
  if (options.dev && options.storeToken) {
    writePrivateFile(join(homedir(), '.coffer-token'), rootToken)
  }
  return {
    address: listeners[0]!.url,
    rootToken,
    unsealKey,
    ...(awsKeys ? { awsKeys } : {}),
    core,
    sinks,
    metrics,
    close: async () => {
      for (const listener of listeners) await listener.close()
      await core.close()
      await sinks.close()
      await ha?.backend.close()
      await physical.close()
    },
  }
}

/** A listener's JSON limits: each option it sets, Vault's default for the others. */
function listenerJsonLimits(l: ListenerConfig): JsonLimits {
  return {
    depth: l.maxJsonDepth ?? DEFAULT_JSON_LIMITS.depth,
    stringValueLength: l.maxJsonStringValueLength ?? DEFAULT_JSON_LIMITS.stringValueLength,
    objectEntryCount: l.maxJsonObjectEntryCount ?? DEFAULT_JSON_LIMITS.objectEntryCount,
    arrayElementCount: l.maxJsonArrayElementCount ?? DEFAULT_JSON_LIMITS.arrayElementCount,
  }
}

function listenerTls(l: ListenerConfig): ListenerTls {
  return {
    certFile: l.tlsCertFile!,
    keyFile: l.tlsKeyFile!,
    clientCerts: l.tlsRequireAndVerifyClientCert ? 'require' : l.tlsDisableClientCerts ? 'off' : 'request',
    ...(l.tlsClientCaFile ? { clientCaFile: l.tlsClientCaFile } : {}),
  }
}

/** What dev mode's start-up uses of the core: the seal lifecycle, then the mount table and the token store. */
type DevCore = Pick<Core, 'initialized' | 'initialize' | 'unseal' | 'services'>

/** Dev mode: one unseal key, kept beside the data so a restart unseals itself; never for production. */
async function devInitialize(core: DevCore, keysFile: string | undefined, rootTokenId: string | undefined) {
  if (!core.initialized) {
    const { shares, rootToken } = await core.initialize(1, 1, {
      stayUnsealed: true,
      ...(rootTokenId ? { rootTokenId } : {}),
    })
    const unsealKey = Buffer.from(shares[0]!).toString('base64')
    await core.services.mounts.mount('secret', {
      path: 'secret/',
      type: 'kv',
      options: { version: '2' },
      description: 'key/value secret storage',
    })
    if (keysFile) {
      writePrivateFile(
        keysFile,
        JSON.stringify({ unseal_key: unsealKey, root_token: rootToken } satisfies DevKeys),
      )
    }
    return { rootToken, unsealKey }
  }
  if (!keysFile || !existsSync(keysFile))
    throw new Error('dev data folder is initialised but its dev-keys.json is missing')
  const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as DevKeys
  await core.unseal(Buffer.from(keys.unseal_key, 'base64'))
  // The chosen root token, else the one kept from the first start. Either may have been revoked since (by hand, or
  // with revoke-self); dev mode holds the unseal key anyway, so it makes the token again rather than start with a
  // root token that answers every request with permission denied.
  const rootToken = rootTokenId || keys.root_token
  if (!(await core.services.tokens.lookup(rootToken))) await core.services.tokens.createRoot(rootToken)
  return { rootToken, unsealKey: keys.unseal_key }
}

export { handleRequest }

/** What a dev server runs with, in the config file's terms, for sys/config/state/sanitized. */
function devConfig(
  options: StartOptions,
  storageType: string,
  logLevel: ServerConfig['logLevel'],
): ServerConfig {
  return {
    listeners: [
      {
        type: 'tcp',
        address: options.listenAddress ?? '127.0.0.1:8200',
        tlsDisable: true,
        maxRequestSize: 32 * 1024 * 1024,
        ...(options.unauthenticatedMetricsAccess ? { unauthenticatedMetricsAccess: true } : {}),
      },
    ],
    storage:
      storageType === 'inmem'
        ? { type: 'inmem' }
        : { type: 'sqlite', path: join(resolve(options.dataDir ?? join('.coffer', 'dev')), 'coffer.db') },
    defaultLeaseTtl: DEV_LEASE_TTL,
    maxLeaseTtl: DEV_LEASE_TTL,
    logLevel,
    disableMlock: true,
    ui: true,
  }
}
