// The core: seal lifecycle, post-unseal setup (tokens, policies, mounts) and the components the pipeline uses.

import { type AnomalyConfig, DEFAULT_ANOMALY_CONFIG } from '../../lib/anomaly-config.ts'
import { KeyLocks } from '../../lib/key-locks.ts'
import type { Logger } from '../../lib/logger.ts'
import { randomAlphanumeric } from '../../lib/random.ts'
import { type Clock, systemClock } from '../../lib/time.ts'
import { InvalidRequestError, SealedError, StandbyError } from '../../sdk/errors.ts'
import type { BackendDefinition } from '../../sdk/framework/backend.ts'
import type { UserLockoutConfig } from '../../sdk/request.ts'
import type { RotationListener, RotationRunner } from '../../sdk/rotation-runner.ts'
import { deletePrefix, putJson, storageView } from '../../sdk/storage.ts'
import { AuditBroker } from '../audit/broker.ts'
import { Barrier } from '../barrier/barrier.ts'
import type { ChangeFeed, HaBackend } from '../physical/ha.ts'
import type { PhysicalStorage } from '../physical/physical.ts'
import type { AccessChangeScope } from './access-change.ts'
import { AnomalyService } from './anomalies/anomaly-service.ts'
import { AUDITED_HEADERS_VIEW, AuditedHeadersConfig } from './audited-headers.ts'
import { builtinMounts } from './builtin-mounts.ts'
import type { ComplianceProviders } from './compliance/providers.ts'
import { CorsConfig } from './cors-config.ts'
import { cubbyholeBackend, cubbyholePrefix } from './cubbyhole/backend.ts'
import { EventBus } from './events/event-bus.ts'
import { originOf } from './events/event-origin.ts'
import { leaseRevokedEvent } from './events/lease-events.ts'
import { Subscriptions } from './events/subscriptions.ts'
import { ExpirationManager, type ExpirationTuning } from './expiration/expiration-manager.ts'
import { HaCoordinator, type HaIdentity, type HaTuning } from './ha/coordinator.ts'
import { ForwardingKey } from './ha/forwarding-key.ts'
import { StandbyReader } from './ha/standby-reader.ts'
import { createIdentityBackend } from './identity/backend.ts'
import { IdentityStore } from './identity/identity-store.ts'
import { InFlightRequests } from './in-flight.ts'
import { KeyringRotation } from './keyring-rotation.ts'
import { kmsKeyService } from './kms-keys.ts'
import type { ListFilterMode } from './list-filter.ts'
import { CoreMetrics, type CoreMetricsOptions } from './metrics/core-metrics.ts'
import { MountManager } from './mount-manager.ts'
import type { MountTableKind } from './mount-table.ts'
import { PolicyStore } from './policy-store.ts'
import { QuotaManager } from './quotas/quota-manager.ts'
import { Rekey } from './rekey.ts'
import { RootGeneration } from './root-generation.ts'
import { SealManager } from './seal-manager.ts'
import type { MetricsExposition, SystemServices, UnsealedServices } from './services.ts'
import {
  type PendingReload,
  readSnapshotForRestore,
  type SnapshotSummary,
  takeSnapshot,
} from './snapshots.ts'
import { createTokenBackend } from './token/backend.ts'
import { GENERATED_TOKEN_LENGTH, SERVICE_TOKEN_PREFIX, TokenStore } from './token/token-store.ts'
import { recordVersion } from './version-history.ts'

export interface CoreOptions {
  /** The whole physical backend: entries() and replaceAll() serve snapshots and restores. */
  physical: PhysicalStorage
  storageType: string
  logger: Logger
  clock?: Clock
  defaultLeaseTtl: number
  maxLeaseTtl: number
  registry: Record<MountTableKind, Record<string, BackendDefinition<unknown>>>
  /** The sys/ backend is built by the composition root from the services core hands it at unseal. */
  systemBackend: (services: SystemServices) => BackendDefinition<unknown>
  /** Expiry loop tuning (tests shorten the retry backoff). */
  expiration?: Partial<ExpirationTuning>
  /** The config file's user_lockout blocks, by auth method type or "all"; mount tunes override them. */
  userLockoutDefaults?: Record<string, Partial<UserLockoutConfig>>
  /** COFFER_DISABLE_USER_LOCKOUT: when set, whether lockout is off for every mount, over defaults and tunes. */
  userLockoutDisabled?: boolean
  /** Runs Secrets Manager rotation steps (built by the composition root, which owns credentials and execution). */
  rotation?: RotationRunner
  /** Told of rotations as they start, succeed and fail. */
  rotationEvents?: RotationListener
  /** The config file's list_filter; 'policy' when absent. */
  listFilter?: ListFilterMode
  /** The server's api_addr, or its first listener's address (the default issuer of identity tokens). */
  apiAddr?: () => string
  /** High availability: the storage's leader lock, this node's addresses, and timing (tests shorten it). */
  ha?: {
    backend: HaBackend
    identity: HaIdentity
    tuning?: Partial<HaTuning>
    /** The storage's change log: with it a standby serves reads itself (see core/ha/standby-reader.ts). */
    changes?: ChangeFeed
  }
  /** The per-path access count's depth and cap (the config file's telemetry block). */
  metrics?: CoreMetricsOptions
  /** sys/metrics renders through this; set by the composition root once it has built the metrics registry. */
  metricsExposition?: () => MetricsExposition | undefined
  /** The compliance report's access-review and anomaly sources, asked for at each unseal; absent sections say so. */
  complianceProviders?: () => ComplianceProviders | undefined
  /** The config file's anomaly_detection block (off when absent); sys/anomalies/config may change it. */
  anomalyDetection?: AnomalyConfig
  /** How often the anomaly detector writes its baselines behind the barrier (tests shorten it). */
  anomalyFlushIntervalMs?: number
  /** The server's version, noted behind the barrier at the first unseal that runs it (sys/version-history). */
  version?: string
  /** sys/config/state/sanitized: the server's configuration without secrets, from the composition root. */
  sanitizedConfig?: () => Record<string, unknown>
}

/** Behind the barrier: the cluster's id and name, written once. */
const CLUSTER_IDENTITY_PATH = 'core/cluster-identity'

/** Expired tokens are revoked within this long (Vault promises no better than a second). */
const SWEEP_INTERVAL_MS = 500
/** How often backends' periodic hooks run (scheduled rotations must happen within seconds of their time). */
const PERIODIC_INTERVAL_MS = 1_000

export class Core {
  readonly barrier: Barrier
  readonly seal: SealManager
  readonly rootGeneration: RootGeneration
  readonly rekey: Rekey
  readonly clock: Clock
  readonly storageType: string
  /** The cluster's identity, stored behind the barrier at init so every node of a cluster reports the same. */
  #cluster: { id: string; name: string } | undefined
  readonly #opts: CoreOptions
  readonly #logger: Logger
  readonly #defaultLeaseTtl: number
  readonly #maxLeaseTtl: number
  readonly #listFilter: ListFilterMode
  /** Set from the start of a snapshot restore until the core is consistent with the restored storage again. */
  #restoring = false
  /** Seals asked for from outside (sys/seal, leaving HA): a restore that saw one must not unseal again after it. */
  #sealRequests = 0
  /** Serialises unseal and seal (Vault's state lock). */
  readonly #stateLock = new KeyLocks()
  /** A restore whose storage is replaced and whose reload (seal, then unseal when not forced) is still to run. */
  #pendingReload: PendingReload | undefined
  /** Set, whole, once unseal has built and loaded every service; undefined while sealed. */
  #services: UnsealedServices | undefined
  #sweeper: NodeJS.Timeout | undefined
  #periodic: NodeJS.Timeout | undefined
  #sweeping = false
  /** Set when HA is enabled: the node is active only while it holds the storage's lock. */
  readonly ha: HaCoordinator | undefined
  /** The key standbys sign forwarded requests with (HA only). */
  readonly forwarding: ForwardingKey
  /** HA with a change log: the read-only services a standby serves reads from. */
  readonly standbyReader: StandbyReader | undefined
  /** Change events; lives as long as the process so subscribers and sinks attach once. */
  readonly events: EventBus
  /** Open WebSocket subscriptions: closed at seal, and one by one when their token is revoked. */
  readonly subscriptions: Subscriptions
  /** Plain counters the pipeline bumps; published by the metrics layer when scraped. */
  readonly metrics: CoreMetrics
  /** The requests the HTTP layer is answering now (sys/in-flight-req). */
  readonly inFlight = new InFlightRequests()

  constructor(opts: CoreOptions) {
    this.#opts = opts
    // The core's clock dates keyring terms too, so automatic rotation measures a term's age on the same clock.
    this.barrier = new Barrier(opts.physical, opts.clock ? { clock: opts.clock } : {})
    this.seal = new SealManager(opts.physical, this.barrier)
    this.#logger = opts.logger
    this.rootGeneration = new RootGeneration({
      seal: this.seal,
      barrier: this.barrier,
      logger: opts.logger,
      tokenLength: GENERATED_TOKEN_LENGTH,
      mintRootToken: (length) => this.#mintRootToken(length),
    })
    this.rekey = new Rekey({ seal: this.seal, barrier: this.barrier, logger: opts.logger })
    this.clock = opts.clock ?? systemClock
    this.events = new EventBus({
      now: () => this.clock.now(),
      onListenerError: (error) =>
        opts.logger.log('error', 'an event listener failed', { error: String(error) }),
    })
    this.subscriptions = new Subscriptions(this.events)
    this.metrics = new CoreMetrics(opts.metrics)
    this.storageType = opts.storageType
    this.#defaultLeaseTtl = opts.defaultLeaseTtl
    this.#maxLeaseTtl = opts.maxLeaseTtl
    this.#listFilter = opts.listFilter ?? 'policy'
    this.forwarding = new ForwardingKey(this.barrier)
    this.ha =
      opts.ha &&
      new HaCoordinator(
        opts.ha.backend,
        opts.ha.identity,
        {
          logger: opts.logger.child({ component: 'ha' }),
          // Another node may have written anything, rotated the keyring or rekeyed while this one was standby.
          becomeActive: async () => {
            try {
              await this.standbyReader?.stop()
              await this.seal.load()
              await this.barrier.reload()
              await this.forwarding.get(true)
              await this.#postUnseal()
            } catch (error) {
              // Rekeyed elsewhere (the held key no longer opens the barrier) or a failed start sealed it: leave.
              if (this.barrier.sealed) setImmediate(() => void this.sealVault())
              throw error
            }
          },
          becomeStandby: async () => {
            await this.#stopServices()
            // Stepped down or lost the lock (not sealing): go on serving reads as a standby.
            if (this.ha?.state === 'standby') void this.standbyReader?.start()
          },
        },
        opts.ha.tuning,
      )
    const changes = opts.ha?.changes
    this.standbyReader =
      changes &&
      new StandbyReader({
        feed: changes,
        invalidate: (keys) => this.barrier.invalidate(keys),
        reloadKeys: async () => {
          await this.seal.load()
          await this.barrier.reload()
        },
        build: () => this.#buildServices('standby'),
        teardown: async (services) => {
          await services.mounts.unload()
          await services.audit.close()
        },
        logger: opts.logger.child({ component: 'standby-reads' }),
      })
  }

  async start(): Promise<void> {
    await this.seal.load()
  }

  /** Sealed: no keys. An HA standby is unsealed without running the active services. */
  get sealed(): boolean {
    return this.barrier.sealed || this.#restoring || (this.ha === undefined && this.#services === undefined)
  }

  /** An unsealed HA node that is not (or no longer) the active one: requests go to the active node. */
  get standby(): boolean {
    return this.ha !== undefined && !this.barrier.sealed && !this.ha.isActive()
  }

  get clusterId(): string {
    return this.#cluster?.id ?? ''
  }

  get clusterName(): string {
    return this.#cluster?.name ?? ''
  }

  /** Read the cluster's identity once unsealed; storage written before it was kept gets one now. */
  async #loadClusterIdentity(): Promise<void> {
    // Past the read cache: a standby's cache does not see the active node's writes.
    const raw = await this.barrier.getFresh(CLUSTER_IDENTITY_PATH)
    const stored =
      raw === undefined
        ? undefined
        : (JSON.parse(Buffer.from(raw).toString('utf8')) as { id: string; name: string })
    if (stored) {
      this.#cluster = stored
      return
    }
    const id = crypto.randomUUID()
    this.#cluster = { id, name: `coffer-cluster-${id.slice(0, 8)}` }
    try {
      await putJson(this.barrier, CLUSTER_IDENTITY_PATH, this.#cluster)
    } catch (error) {
      // A fenced standby cannot write; the active node will, and this node reads it on its next unseal.
      this.#logger.log('warn', 'could not store the cluster identity', { error: String(error) })
    }
  }

  /** Read the seal configuration again when there is none: another node on the same storage may have initialised it. */
  async refreshInitialized(): Promise<void> {
    if (!this.initialized) await this.seal.load()
  }

  get initialized(): boolean {
    return this.seal.config !== undefined
  }

  /** The unsealed services, or a 503 while sealed. */
  get services(): UnsealedServices {
    if (!this.#services) throw new SealedError()
    return this.#services
  }

  /** For benchmarks that reach into a running server (bench/leases.ts); everything else goes through `services`. */
  get mounts(): MountManager {
    return this.services.mounts
  }

  /** For benchmarks, as `mounts` above. */
  get expiration(): ExpirationManager {
    return this.services.expiration
  }

  /** sys/init: create the barrier, mint the root token, and leave the core sealed (as Vault does). */
  initialize(
    secretShares: number,
    secretThreshold: number,
    options: { rootTokenId?: string; stayUnsealed?: boolean } = {},
  ): Promise<{ shares: Uint8Array[]; rootToken: string }> {
    // Under the state lock: the barrier is open while the root token is written, and an unseal arriving then must
    // wait for the seal that ends the init, not take the open barrier as its own success.
    return this.#stateLock.run('state', () => this.#initialize(secretShares, secretThreshold, options))
  }

  async #initialize(
    secretShares: number,
    secretThreshold: number,
    options: { rootTokenId?: string; stayUnsealed?: boolean },
  ): Promise<{ shares: Uint8Array[]; rootToken: string }> {
    if (!this.ha) return this.#initializeStorage(secretShares, secretThreshold, options)
    // Nodes sharing a storage initialise it one at a time, under the leader lock (ha/coordinator.ts).
    const held = await this.ha.holdingLockToInitialise(async () => {
      const result = await this.#initializeStorage(secretShares, secretThreshold, {
        ...options,
        stayUnsealed: true,
      })
      // Built only to write the first root token: with HA the node becomes active through the lock, like any other.
      await this.#stopServices()
      return result
    })
    if (held === undefined) {
      await this.seal.load()
      if (this.initialized) throw new InvalidRequestError('Vault is already initialized')
      throw new StandbyError('another node is initializing this storage; retry shortly')
    }
    if (options.stayUnsealed) this.#joinAsStandby()
    else await this.#sealVault()
    return held.value
  }

  /** Create the barrier, the seal configuration and the first root token; sealed again unless `stayUnsealed`. */
  async #initializeStorage(
    secretShares: number,
    secretThreshold: number,
    options: { rootTokenId?: string; stayUnsealed?: boolean },
  ): Promise<{ shares: Uint8Array[]; rootToken: string }> {
    const shares = await this.seal.initialize(secretShares, secretThreshold)
    await this.#loadClusterIdentity()
    await this.#postUnseal()
    const { token } = await this.services.tokens.createRoot(options.rootTokenId || undefined)
    if (!options.stayUnsealed) await this.#sealVault()
    return { shares, rootToken: token }
  }

  /**
   * A root token for generate-root, `length` characters long (a generated token's, or Vault's for an OTP of
   * Vault's length), with the means to take it back if its answer cannot be built.
   */
  async #mintRootToken(length: number): Promise<{ token: string; revoke(): Promise<void> }> {
    const tokens = this.services.tokens
    const id =
      length === GENERATED_TOKEN_LENGTH
        ? undefined
        : SERVICE_TOKEN_PREFIX + randomAlphanumeric(length - SERVICE_TOKEN_PREFIX.length)
    const { token, entry } = await tokens.createRoot(id)
    return { token, revoke: () => tokens.revokeTree(entry.idHash) }
  }

  /** Submit one unseal key share; true once unsealed. */
  unseal(share: Buffer): Promise<boolean> {
    // One at a time, as Vault's state lock: a share arriving while another completes the threshold must see the
    // result, not start a new round or build the services a second time.
    return this.#stateLock.run('state', () => this.#unseal(share))
  }

  async #unseal(share: Buffer): Promise<boolean> {
    // Mid-restore the seal configuration and keys are about to change under the caller.
    if (this.#restoring) throw new SealedError()
    if (!this.sealed) return true
    // Another node may have initialised the shared storage since this one started.
    if (!this.initialized) await this.seal.load()
    const done = await this.seal.submit(share)
    if (!done) return false
    await this.#loadClusterIdentity()
    // With HA, the node joins as a standby and becomes active once it takes the lock.
    if (this.ha) this.#joinAsStandby()
    else if (!this.#services) await this.#postUnseal()
    return true
  }

  /** Compete for the lock, and meanwhile serve reads as a standby when the storage keeps a change log. */
  #joinAsStandby(): void {
    this.ha!.start()
    void this.standbyReader?.start()
  }

  /** Seal; waits for an unseal under way, so its services cannot be published after the seal. */
  sealVault(): Promise<void> {
    this.#sealRequests++
    return this.#stateLock.run('state', () => this.#sealVault())
  }

  async #sealVault(): Promise<void> {
    // With HA, leaving the cluster stops the active services (when this node runs them) and releases the lock.
    await this.standbyReader?.stop()
    if (this.ha) await this.ha.stop()
    else await this.#stopServices()
    await this.barrier.settled()
    this.barrier.seal()
    this.forwarding.forget()
    this.#cluster = undefined
    this.seal.reset()
    // Ceremony shares are wiped at seal; Vault's in-memory attempts do not outlive the unsealed core either.
    this.rootGeneration.forget()
    this.rekey.forget()
  }

  /** Stop the active node's background work and unload its services (sealing, or an HA node stepping down). */
  async #stopServices(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    if (this.#periodic) clearInterval(this.#periodic)
    this.#periodic = undefined
    const services = this.#services
    // A move under way finishes first (Vault's hold its state lock): it revokes leases and rewrites the mount table.
    await services?.mounts.moves.settled()
    // Requests that start from here on are answered 503; those already running keep the record they hold.
    this.#services = undefined
    this.subscriptions.closeAll('server sealed or no longer active')
    await services?.expiration.stop()
    // While the barrier is still open: the next active run counts on from here.
    await services?.keyRotation.flush()
    await services?.mounts.unload()
    // The detector's last entries and its baselines are written while the barrier and the audit devices are open.
    await services?.anomalies.stop()
    await services?.audit.close()
  }

  /** Every stored entry, raw (still encrypted), as one snapshot file, read as one point in time. */
  saveSnapshot(): Promise<Buffer> {
    if (this.sealed) return Promise.reject(new SealedError())
    return takeSnapshot(this.#opts.physical, this.storageType, new Date(this.clock.now()))
  }

  /**
   * Check a snapshot file and replace all storage with it. Unless `force`, the running server's key shares must
   * unseal the snapshot (else a 400 and nothing changes). From the replace on every request is answered 503 and
   * every barrier access fails, so none sees a mix of old and new; the caller then runs `settleRestore`, which
   * drops every cache by sealing and unseals again with the held key (not after a forced restore: the operator
   * unseals with the snapshot's shares).
   */
  async restoreSnapshot(bytes: Uint8Array, force: boolean): Promise<SnapshotSummary> {
    if (this.#restoring) throw new SealedError()
    const sealRequests = this.#sealRequests
    const { entries, summary } = readSnapshotForRestore(
      bytes,
      force ? undefined : { barrier: this.barrier, sealConfig: this.seal.config },
    )
    const unsealKey = this.barrier.unsealKeyCopy()
    this.#restoring = true
    this.barrier.seal()
    try {
      await this.#opts.physical.replaceAll(
        (async function* () {
          yield* entries
        })(),
      )
    } catch (error) {
      // Storage is unchanged: take the keys back and carry on as before.
      try {
        await this.barrier.unseal(unsealKey)
      } finally {
        unsealKey.fill(0)
        this.#restoring = false
      }
      throw error
    }
    this.#logger.log('warn', 'storage replaced from a snapshot', {
      entries: summary.entryCount,
      forced: force,
      snapshot_created_at: summary.createdAt,
    })
    this.#pendingReload = { unsealKey, force, sealRequests }
    return summary
  }

  /**
   * Wait for `request` (which may have restored a snapshot), then make the core consistent with storage again:
   * seal (dropping every cache and service), reload the seal configuration, and unseal with the held key unless
   * the restore was forced.
   */
  async settleRestore<T>(request: Promise<T>): Promise<T> {
    try {
      return await request
    } finally {
      const pending = this.#pendingReload
      this.#pendingReload = undefined
      if (pending !== undefined) await this.#reload(pending)
    }
  }

  /** Under the state lock, so no unseal or seal interleaves with the seal and unseal of a reload. */
  #reload(pending: PendingReload): Promise<void> {
    return this.#stateLock.run('state', () => this.#reloadLocked(pending))
  }

  async #reloadLocked({ unsealKey, force, sealRequests }: PendingReload): Promise<void> {
    try {
      await this.#sealVault()
      await this.seal.load()
      // A seal asked for while the restore ran (sys/seal answered 204) stands: the operator unseals.
      if (!force && sealRequests === this.#sealRequests) {
        await this.barrier.unseal(unsealKey)
        await this.#loadClusterIdentity()
        // With HA the node takes part again as a standby, and becomes active through the lock as always.
        if (this.ha) this.#joinAsStandby()
        else await this.#postUnseal()
      }
    } catch (error) {
      this.#logger.log('error', 'reloading after a snapshot restore failed; the server stays sealed', {
        error: error instanceof Error ? error.message : String(error),
      })
      this.barrier.seal()
    } finally {
      unsealKey.fill(0)
      this.#restoring = false
    }
  }

  /**
   * Build every unsealed service, load them, and only then publish them as one record. The built-in backends are
   * built from the record before it is published: they use it only when requests arrive.
   */
  async #postUnseal(): Promise<void> {
    try {
      this.#services = await this.#buildServices('active')
      await this.#recordVersion()
      const { mounts, keyRotation } = this.#services
      this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_INTERVAL_MS)
      this.#sweeper.unref()
      // Only the active node runs this timer: one node rotates the shared keyring.
      this.#periodic = setInterval(() => {
        void mounts.runPeriodic()
        void keyRotation.check()
      }, PERIODIC_INTERVAL_MS)
      this.#periodic.unref()
    } catch (error) {
      this.barrier.seal()
      throw error
    }
  }

  /**
   * Build and load every service. `active`: also start the expiry loop and the revocation hooks (the caller starts
   * the timers and publishes the record). `standby`: an HA standby's read-only copy for the reads it serves
   * itself; it starts nothing and writes nothing (its storage writes are fenced anyway).
   */
  async #buildServices(mode: 'active' | 'standby'): Promise<UnsealedServices> {
    {
      const tokens = new TokenStore(storageView(this.barrier, 'sys/token/'), this.clock)
      await tokens.load()
      const policies = new PolicyStore(storageView(this.barrier, 'sys/policy/'))
      await policies.load()
      const audit = new AuditBroker(storageView(this.barrier, 'core/audit/'), this.#logger, () =>
        this.clock.now(),
      )
      await audit.load()
      const auditedHeaders = new AuditedHeadersConfig(storageView(this.barrier, AUDITED_HEADERS_VIEW))
      await auditedHeaders.load()
      const quotas = new QuotaManager(storageView(this.barrier, 'sys/quotas/'))
      await quotas.load()
      const cors = new CorsConfig(this.barrier)
      await cors.load()
      const keyRotation = new KeyringRotation({
        storage: this.barrier,
        barrier: this.barrier,
        now: () => this.clock.now(),
        logger: this.#logger.child({ component: 'keyring-rotation' }),
      })
      await keyRotation.load()
      // The mount manager and the expiration manager are created here but loaded and started below, once the
      // built-in backends (which need the whole record) exist.
      const mounts: MountManager = new MountManager({
        storage: this.barrier,
        clock: this.clock,
        logger: this.#logger,
        defaultLeaseTtl: this.#defaultLeaseTtl,
        maxLeaseTtl: this.#maxLeaseTtl,
        userLockoutDefaults: this.#opts.userLockoutDefaults ?? {},
        ...(this.#opts.userLockoutDisabled !== undefined
          ? { userLockoutDisabled: this.#opts.userLockoutDisabled }
          : {}),
        registry: this.#opts.registry,
        ...(this.#opts.rotation ? { rotation: this.#opts.rotation } : {}),
        // Every rotation is counted for the metrics, then passed on to whoever the server was started with.
        rotationEvents: (notice) => {
          this.metrics.countRotation(notice.kind)
          this.#opts.rotationEvents?.(notice)
        },
        events: this.events,
        // Engines reach the KMS mount's keys through core, checked against their caller's ACL.
        keys: kmsKeyService(() => mounts.router),
        // A secrets engine's leases end with it, as in Vault: disabling fails while a revocation fails.
        beforeUnmount: async (path) => {
          await expiration.revokePrefix(path)
          // Its rate-limit quotas go with it, as in Vault.
          await quotas.deleteForMount(path)
          // An auth method's tokens end with it, as in Vault.
          const accessor = path.startsWith('auth/') ? mounts.find(path)?.accessor : undefined
          if (accessor) {
            await tokens.revokeIssuedBy(accessor)
            await identity.removeMountAliases(accessor)
          }
        },
        // Vault's remount revokes every lease under the source path before moving it, an auth method's tokens among
        // them (remountSecretsEngine, remountCredential). Data, accessor and so entity aliases stay with the mount.
        beforeMove: async (entry) => {
          await expiration.revokePrefix(entry.path)
          if (entry.table === 'auth') await tokens.revokeIssuedBy(entry.accessor)
        },
        // A mount's rate-limit quotas follow it to its new path, as Vault's HandleRemount moves them.
        afterMove: (from, to) => quotas.moveMount(from, to),
      })
      // Identity data lives behind the barrier under a core-owned prefix; mounts are looked up when asked (none
      // are routed until the mount table loads below).
      const identity = new IdentityStore(
        storageView(this.barrier, 'sys/identity/'),
        (accessor) => mounts.entries.find((e) => e.table === 'auth' && e.accessor === accessor),
        () => this.clock.now(),
      )
      await identity.load()
      identity.onChange(() => policies.forgetTemplatedAcls())
      // A change that may narrow a token's access closes its event streams, whose clients then drop what they cached.
      const accessChange = {
        changed: (scope: AccessChangeScope) => this.subscriptions.accessChanged(scope),
      }
      policies.onAccessChange(accessChange)
      identity.onAccessChange(accessChange)
      const expiration = new ExpirationManager({
        storage: storageView(this.barrier, 'sys/expire/'),
        clock: this.clock,
        logger: this.#logger.child({ component: 'expiration' }),
        backendAt: (mountPath, mountUuid) =>
          (mountUuid ? mounts.router.byUuid(mountUuid) : mounts.router.get(mountPath))?.backend,
        // Published once the lease is gone from storage, from the active node only (standbys revoke nothing).
        onRevoked: (lease) => leaseRevokedEvent(this.events, mounts, lease),
        ...(this.#opts.expiration ? { tuning: this.#opts.expiration } : {}),
      })
      const services: UnsealedServices = Object.freeze({
        tokens,
        policies,
        identity,
        audit,
        auditedHeaders,
        mounts,
        expiration,
        events: this.events,
        clock: this.clock,
        logger: this.#logger,
        defaultLeaseTtl: this.#defaultLeaseTtl,
        maxLeaseTtl: this.#maxLeaseTtl,
        listFilter: this.#listFilter,
        quotas,
        cors,
        keyRotation,
        metrics: this.metrics,
        inFlight: this.inFlight,
        anomalies: new AnomalyService({
          storage: storageView(this.barrier, 'core/anomalies/'),
          audit,
          events: this.events,
          // Anomaly events come from the sys/ mount: subscribers need `subscribe` on sys/anomalies/*.
          origin: () => {
            const sys = mounts.router.get('sys/')?.entry
            return sys
              ? originOf(sys)
              : { mountClass: 'secret', mountAccessor: '', mountPath: 'sys/', plugin: 'system' }
          },
          clock: this.clock,
          logger: this.#logger.child({ component: 'anomalies' }),
          counters: this.metrics,
          config: this.#opts.anomalyDetection ?? DEFAULT_ANOMALY_CONFIG,
          ...(this.#opts.anomalyFlushIntervalMs
            ? { flushIntervalMs: this.#opts.anomalyFlushIntervalMs }
            : {}),
        }),
      })
      await mounts.load(
        builtinMounts({
          system: this.#opts.systemBackend({
            ...services,
            barrier: this.barrier,
            rekey: this.rekey,
            sealVault: () => this.sealVault(),
            ...(this.ha ? { ha: this.ha } : {}),
            ...(this.#opts.metricsExposition?.()
              ? { metricsExposition: this.#opts.metricsExposition()! }
              : {}),
            ...(this.#opts.complianceProviders?.() ? { compliance: this.#opts.complianceProviders()! } : {}),
            ...(this.#opts.sanitizedConfig ? { sanitizedConfig: this.#opts.sanitizedConfig } : {}),
            snapshots: {
              save: () => this.saveSnapshot(),
              restore: (bytes, force) => this.restoreSnapshot(bytes, force),
            },
          }),
          cubbyhole: cubbyholeBackend,
          token: createTokenBackend(services),
          identity: createIdentityBackend(identity, {
            apiAddr: this.#opts.apiAddr ?? (() => ''),
            now: () => this.clock.now(),
            logger: this.#logger.child({ component: 'identity-tokens' }),
          }),
        }),
      )
      if (mode === 'standby') return services
      const cubbyhole = mounts.router.get('cubbyhole/')!.backend.storage
      tokens.onRevoke((idHash) => deletePrefix(cubbyhole, cubbyholePrefix(idHash)))
      await expiration.start()
      // Revoking a token revokes the leases it created (a failure is retried by the expiry loop). They are made due
      // first, so a stop between the token's deletion and their revocation does not leave them to their TTL.
      tokens.beforeDelete((idHash) => expiration.expediteByToken(idHash))
      tokens.onRevoke((idHash) => expiration.revokeByToken(idHash))
      // A subscriber whose token is revoked (or expires) is disconnected.
      tokens.onRevoke(async (idHash) => this.subscriptions.tokenRevoked(idHash))
      // A token revoked before its time is remembered: its further use is the anomaly post_leak_use.
      tokens.onRevoke(async (_idHash, entry) => services.anomalies.tokenRevoked(entry))
      await services.anomalies.load()
      return services
    }
  }

  /** Only the active node writes it; a failure is logged and tried again at the next unseal. */
  async #recordVersion(): Promise<void> {
    if (this.#opts.version === undefined) return
    try {
      if (await recordVersion(this.barrier, this.#opts.version, this.clock.now()))
        this.#logger.log('info', 'first unseal by this version', { version: this.#opts.version })
    } catch (error) {
      this.#logger.log('warn', 'could not record the server version', { error: String(error) })
    }
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping) return
    this.#sweeping = true
    try {
      const revoked = await this.#services?.tokens.sweepExpired()
      if (revoked) this.#logger.log('info', 'revoked expired tokens', { count: revoked })
    } catch (error) {
      this.#logger.log('error', 'expired-token sweep failed; will retry', { error: String(error) })
    } finally {
      this.#sweeping = false
    }
  }

  async close(): Promise<void> {
    await this.standbyReader?.stop()
    if (this.ha) await this.ha.stop()
    else await this.#stopServices()
  }
}
