// Mounting, unmounting and tuning secrets engines and auth methods: router, persisted tables and storage views.

import { randomBytes } from 'node:crypto'
import { errorMessage } from '../../lib/error-message.ts'
import type { Logger } from '../../lib/logger.ts'
import { uuid } from '../../lib/random.ts'
import type { Clock } from '../../lib/time.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { type BackendDefinition, BackendInstance } from '../../sdk/framework/backend.ts'
import type { KeyService } from '../../sdk/key-service.ts'
import type { SystemView, UserLockoutConfig } from '../../sdk/request.ts'
import type { RotationListener, RotationRunner } from '../../sdk/rotation-runner.ts'
import { deletePrefix, type Storage, storageView } from '../../sdk/storage.ts'
import type { BuiltinMount } from './builtin-mounts.ts'
import type { EventBus } from './events/event-bus.ts'
import { originOf } from './events/event-origin.ts'
import { MountMoves } from './mount-moves.ts'
import {
  defaultMountConfig,
  loadMountTable,
  type MountConfig,
  type MountEntry,
  type MountTableKind,
  mountStoragePrefix,
  saveMountTable,
} from './mount-table.ts'
import { generateFromPolicy } from './password-policies.ts'
import { Router } from './router.ts'

export interface MountRequest {
  path: string
  type: string
  description?: string
  config?: Partial<MountConfig>
  options?: Record<string, string>
  local?: boolean
  sealWrap?: boolean
}

/** Type aliases Vault accepts (Terraform writes `kv-v2`). */
const TYPE_ALIASES: Record<string, { type: string; version?: string }> = {
  'kv-v1': { type: 'kv', version: '1' },
  'kv-v2': { type: 'kv', version: '2' },
  generic: { type: 'kv' },
}

// Vault's protected paths (audit/ among them, though nothing is mounted there) and Coffer's own aws-sm/.
const RESERVED_SECRET_PREFIXES = ['audit/', 'sys/', 'auth/', 'cubbyhole/', 'identity/', 'aws-sm/']

export interface MountManagerOptions {
  storage: Storage
  clock: Clock
  logger: Logger
  defaultLeaseTtl: number
  maxLeaseTtl: number
  registry: Record<MountTableKind, Record<string, BackendDefinition<unknown>>>
  /** Lockout defaults from the config file, by auth method type or "all", below each mount's own tune. */
  userLockoutDefaults?: Record<string, Partial<UserLockoutConfig>>
  /** COFFER_DISABLE_USER_LOCKOUT: when set, whether lockout is off, over every default and tune. */
  userLockoutDisabled?: boolean
  /** Runs before a mount is removed (core revokes the mount's leases); an error aborts the unmount. */
  beforeUnmount?: (path: string) => Promise<void>
  /** Runs while a mount is tainted for a move, before it is routed at its new path; an error aborts the move. */
  beforeMove?: (entry: MountEntry) => Promise<void>
  /** Runs once a move is recorded (core moves the mount's rate-limit quotas); the move stands if it fails. */
  afterMove?: (from: string, to: string) => Promise<void>
  /** Where backends' own events go (system.events.emit); tests may leave it out. */
  events?: Pick<EventBus, 'publishFrom'>
  /** Built-in mounts created on first unseal and re-created on every unseal (or given to `load`). */
  builtins?: BuiltinMount[]
  /** The server's rotation runner and listener, handed to every backend's system view (Secrets Manager uses them). */
  rotation?: RotationRunner
  rotationEvents?: RotationListener
  /** The server's KMS keys, handed to every backend's system view (Secrets Manager encrypts under them). */
  keys?: KeyService
}

export class MountManager {
  readonly router = new Router()
  readonly #opts: MountManagerOptions
  #builtins: BuiltinMount[]
  #entries: MountEntry[] = []
  /**
   * Mounts being disabled. A tainted mount takes no new requests, and a request that made a lease or a login token
   * on it meanwhile undoes it (see pipeline/grant.ts), so nothing survives the revocation that disabling performs.
   */
  readonly #tainted = new WeakSet<MountEntry>()
  /** Mounts being moved: refused like a tainted mount until the move ends, as Vault taints a remount's source. */
  readonly #moving = new WeakSet<MountEntry>()
  /** Moves started by sys/remount, with the status its callers poll. */
  readonly moves: MountMoves

  constructor(opts: MountManagerOptions) {
    this.#opts = opts
    this.#builtins = opts.builtins ?? []
    this.moves = new MountMoves(opts.logger.child({ component: 'mounts.migration' }))
  }

  get entries(): readonly MountEntry[] {
    return this.#entries
  }

  /**
   * Route the stored mount tables and the built-in mounts. Core passes the built-ins here rather than to the
   * constructor: the sys/ backend is built from services that include this manager.
   */
  async load(builtins?: BuiltinMount[]): Promise<void> {
    if (builtins) this.#builtins = builtins
    this.router.clear()
    const stored = [
      ...((await loadMountTable(this.#opts.storage, 'secret')) ?? []),
      ...((await loadMountTable(this.#opts.storage, 'auth')) ?? []),
    ]
    const entries: MountEntry[] = []
    for (const builtin of this.#builtins) {
      const existing = stored.find((e) => e.path === builtin.entry.path)
      entries.push(existing ?? this.#newEntry({ ...builtin.entry }))
    }
    for (const entry of stored) if (!entries.some((e) => e.path === entry.path)) entries.push(entry)
    for (const entry of entries) {
      const definition = this.#definitionFor(entry)
      if (!definition) {
        this.#opts.logger.log('error', 'skipping mount of unknown type', {
          path: entry.path,
          type: entry.type,
        })
        continue
      }
      this.router.add(entry, await this.#instantiate(entry, definition))
    }
    this.#entries = entries
    // Written only when loading changed it (a built-in mount added): an HA standby loads without writing.
    const kept = (kind: MountTableKind) => JSON.stringify(entries.filter((e) => e.table === kind))
    const was = (kind: MountTableKind) => JSON.stringify(stored.filter((e) => e.table === kind))
    if (kept('secret') !== was('secret') || kept('auth') !== was('auth')) await this.#persist()
  }

  async unload(): Promise<void> {
    for (const entry of this.#entries) await this.router.get(entry.path)?.backend.cleanup()
    this.router.clear()
    this.#entries = []
  }

  /** Runs every mounted backend's periodic hook; one failing backend is logged and does not stop the rest. */
  async runPeriodic(): Promise<void> {
    await Promise.all(
      this.#entries.map(async (entry) => {
        const backend = this.router.get(entry.path)?.backend
        if (!backend?.definition.periodic) return
        try {
          await backend.periodic()
        } catch (error) {
          this.#opts.logger.log('error', 'periodic task failed; will retry', {
            mount: entry.path,
            error: errorMessage(error),
          })
        }
      }),
    )
  }

  /** Normalise a user-supplied mount path: no leading slash, one trailing slash, no traversal. */
  normalizePath(path: string, table: MountTableKind): string {
    let clean = path.trim().replace(/^\/+/, '')
    if (clean === '' || clean === '/') throw new InvalidRequestError('path cannot be empty')
    if (!clean.endsWith('/')) clean += '/'
    if (
      clean
        .split('/')
        .some((seg, i, all) => seg === '..' || seg === '.' || (seg === '' && i < all.length - 1))
    ) {
      throw new InvalidRequestError(`invalid mount path "${path}"`)
    }
    // As Vault: an auth method's path is always under auth/, so sys/auth/auth/x mounts at auth/auth/x/ (a path of
    // its own), not at auth/x/.
    return table === 'auth' ? `auth/${clean}` : clean
  }

  find(path: string): MountEntry | undefined {
    return this.#entries.find((entry) => entry.path === path)
  }

  async mount(table: MountTableKind, request: MountRequest): Promise<MountEntry> {
    const path = this.normalizePath(request.path, table)
    if (table === 'secret' && RESERVED_SECRET_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      throw new InvalidRequestError(`cannot mount under reserved path "${path}"`)
    }
    // Own keys only, here and in the registry: a type named "constructor" or "toString" would otherwise find
    // Object.prototype's function and fail halfway through mounting with a TypeError's text.
    const alias = Object.hasOwn(TYPE_ALIASES, request.type) ? TYPE_ALIASES[request.type] : undefined
    const type = alias?.type ?? request.type
    const options = { ...(request.options ?? {}) }
    if (alias?.version) options['version'] = alias.version
    if (!Object.hasOwn(this.#opts.registry[table], type) || type === 'token' || type === 'system') {
      throw new InvalidRequestError(
        `${table === 'auth' ? 'unknown auth method' : 'unknown secrets engine'} type: ${request.type}`,
      )
    }
    const conflict = this.router.conflicts(path)
    if (conflict) throw new InvalidRequestError(`path is already in use at ${conflict}`)
    const entry = this.#newEntry({
      table,
      path,
      type,
      description: request.description ?? '',
      local: request.local ?? false,
      sealWrap: request.sealWrap ?? false,
      options,
    })
    entry.config = { ...entry.config, ...stripUndefined(request.config ?? {}) }
    this.#checkTtls(entry.config)
    let backend: BackendInstance
    try {
      backend = await this.#instantiate(entry, this.#opts.registry[table][type]!)
    } catch (error) {
      // A backend that refuses its options (e.g. kv with version "3") is the caller's mistake, not a 500.
      throw new InvalidRequestError(`cannot mount ${type} at ${path}: ${(error as Error).message}`)
    }
    // Checked again with no await before the route is added: another mount of this path (or one nesting with it)
    // may have been added while this backend was set up, and both callers would be told they own the path.
    const taken = this.router.conflicts(path)
    if (taken) {
      await backend.cleanup()
      await deletePrefix(this.#opts.storage, mountStoragePrefix(entry))
      throw new InvalidRequestError(`path is already in use at ${taken}`)
    }
    this.router.add(entry, backend)
    this.#entries.push(entry)
    await this.#persist()
    return entry
  }

  /** Remove a mount and every byte it stored. */
  async unmount(table: MountTableKind, rawPath: string): Promise<void> {
    const path = this.normalizePath(rawPath, table)
    const entry = this.find(path)
    if (!entry) return
    if (entry.builtin) throw new InvalidRequestError(`cannot unmount "${path}"`)
    if (this.#moving.has(entry))
      throw new InvalidRequestError(`cannot unmount "${path}" while it is being moved`)
    // Tainted before the first await, so every request that starts from here on is refused. The mark stays on
    // this entry for good: a request that routed to it may check only after the unmount has finished.
    this.#tainted.add(entry)
    try {
      await this.#opts.beforeUnmount?.(path)
    } catch (error) {
      this.#tainted.delete(entry)
      throw error
    }
    const removed = this.router.remove(path)
    await removed?.backend.cleanup()
    this.#entries = this.#entries.filter((e) => e !== entry)
    await this.#persist()
    await deletePrefix(this.#opts.storage, mountStoragePrefix(entry))
  }

  /** Whether this mount is being (or has been) disabled, or is being moved. */
  isTainted(entry: MountEntry): boolean {
    return this.#tainted.has(entry) || this.#moving.has(entry)
  }

  /**
   * Whether a request routed to `entry` at `routedPath` must undo what it made (a lease, a login token): the mount
   * has since begun disabling, or is moving or has moved away from the path the request came in on.
   */
  routeStale(entry: MountEntry, routedPath: string): boolean {
    return this.isTainted(entry) || entry.path !== routedPath
  }

  /**
   * Queue a move of the mount at `from` to `to` (both sanitised, the request already checked as sys/remount
   * checks it) and return its migration id. The move runs in the background, as Vault's does.
   */
  startMove(from: string, to: string): string {
    return this.moves.start(from, to, () => this.move(from, to))
  }

  /**
   * Move the mount at `from` to `to`, as Vault's remount does: the source is tainted while beforeMove revokes its
   * leases (and an auth method's tokens), then it is routed and recorded at `to`. A mount's storage is keyed by its
   * UUID, so its data moves without a copy; its UUID, accessor (so its entity aliases) and config stay.
   */
  async move(from: string, to: string): Promise<void> {
    const entry = this.find(from)
    // Vault's sys/remount accepts a path inside a mount and its move then fails: only a mount's own path moves.
    if (!entry) throw new InvalidRequestError(`no matching mount at "${from}"`)
    if (entry.builtin) throw new InvalidRequestError(`cannot remount "${from}"`)
    if (this.isTainted(entry))
      throw new InvalidRequestError(`cannot remount "${from}" while it is being moved or disabled`)
    if (to.startsWith('auth/') !== (entry.table === 'auth'))
      throw new InvalidRequestError(
        `cannot remount "${from}" to "${to}" across auth methods and secrets engines`,
      )
    // Tainted before the first await: from here every new request to the mount is refused.
    this.#moving.add(entry)
    try {
      await this.#opts.beforeMove?.(entry)
      // Checked again after the revocations, as Vault does: something may have been mounted there meanwhile.
      const conflict = this.router.conflicts(to)
      if (conflict) throw new InvalidRequestError(`path in use at "${conflict}"`)
      const mounted = this.router.remove(from)!
      entry.path = to
      this.router.add(entry, mounted.backend)
      try {
        await this.#persist()
      } catch (error) {
        this.router.remove(to)
        entry.path = from
        this.router.add(entry, mounted.backend)
        throw error
      }
      await this.#opts.afterMove?.(from, to)
    } finally {
      // Vault leaves a source whose move failed tainted until the next unseal; here it serves again at once.
      this.#moving.delete(entry)
    }
  }

  async tune(
    entry: MountEntry,
    changes: Partial<MountConfig>,
    description?: string,
    options?: Record<string, string>,
  ) {
    const config = { ...entry.config, ...stripUndefined(changes) }
    // Tuning one lockout setting keeps the others, as Vault's tune does.
    if (changes.userLockout) config.userLockout = { ...entry.config.userLockout, ...changes.userLockout }
    // Vault's tune compares the default only with the mount's own max: with none, any default is stored, and
    // reads (effectiveTtls) cap it at the system max. Enabling a mount checks against the system max too.
    if (config.maxLeaseTtl !== 0 && config.defaultLeaseTtl > config.maxLeaseTtl)
      throw new InvalidRequestError('default_lease_ttl cannot be greater than max_lease_ttl')
    entry.config = config
    if (description !== undefined) entry.description = description
    if (options) entry.options = { ...entry.options, ...options }
    await this.#persist()
  }

  effectiveTtls(entry: MountEntry): { defaultLeaseTtl: number; maxLeaseTtl: number } {
    const maxLeaseTtl = entry.config.maxLeaseTtl || this.#opts.maxLeaseTtl
    const defaultLeaseTtl = Math.min(entry.config.defaultLeaseTtl || this.#opts.defaultLeaseTtl, maxLeaseTtl)
    return { defaultLeaseTtl, maxLeaseTtl }
  }

  #checkTtls(config: MountConfig): void {
    const max = config.maxLeaseTtl || this.#opts.maxLeaseTtl
    if (config.defaultLeaseTtl > max) {
      throw new InvalidRequestError('default_lease_ttl cannot be greater than max_lease_ttl')
    }
  }

  /** Whether `backend` is one of core's own built-in backends (sys/, cubbyhole/, auth/token/, identity/). */
  isBuiltin(backend: BackendInstance): boolean {
    return this.#builtins.some((builtin) => builtin.definition === backend.definition)
  }

  #definitionFor(entry: MountEntry): BackendDefinition<unknown> | undefined {
    const builtin = this.#builtins.find((b) => b.entry.path === entry.path)
    return builtin?.definition ?? this.#opts.registry[entry.table][entry.type]
  }

  #newEntry(base: Omit<MountEntry, 'uuid' | 'accessor' | 'config'>): MountEntry {
    const prefix = base.table === 'auth' ? `auth_${base.type}` : base.type
    return {
      ...base,
      uuid: uuid(),
      accessor: `${prefix}_${randomBytes(4).toString('hex')}`,
      config: defaultMountConfig(),
    }
  }

  async #instantiate(entry: MountEntry, definition: BackendDefinition<unknown>): Promise<BackendInstance> {
    const manager = this
    const logger = this.#opts.logger.child({ mount: entry.path })
    const clock = this.#opts.clock
    const lockoutDefaults = this.#opts.userLockoutDefaults ?? {}
    const lockoutDisabled = this.#opts.userLockoutDisabled
    const system: SystemView = {
      get defaultLeaseTtl() {
        return manager.effectiveTtls(entry).defaultLeaseTtl
      },
      get maxLeaseTtl() {
        return manager.effectiveTtls(entry).maxLeaseTtl
      },
      get mount() {
        return {
          path: entry.path,
          type: entry.type,
          uuid: entry.uuid,
          accessor: entry.accessor,
          options: entry.options,
        }
      },
      get userLockout() {
        // Vault's order: its defaults, the config file's "all" block, the block for this type, the mount's tune.
        const forType = lockoutDefaults[entry.type]
        const merged = {
          ...DEFAULT_USER_LOCKOUT,
          ...lockoutDefaults['all'],
          ...forType,
          ...entry.config.userLockout,
        }
        // As Vault's VAULT_DISABLE_USER_LOCKOUT: the environment has the last word, either way.
        return lockoutDisabled === undefined ? merged : { ...merged, disable: lockoutDisabled }
      },
      now: () => clock.now(),
      generatePassword: (policyName) => generateFromPolicy(this.#opts.storage, policyName),
      log: (level, message, context) => logger.log(level, message, context),
      ...(this.#opts.rotation ? { rotation: this.#opts.rotation } : {}),
      ...(this.#opts.rotationEvents ? { rotationEvents: this.#opts.rotationEvents } : {}),
      ...(this.#opts.keys ? { keys: this.#opts.keys } : {}),
      // The mount is read when the event is emitted, so it names where the mount is now.
      events: { emit: (event) => void this.#opts.events?.publishFrom(originOf(entry), event) },
    }
    return BackendInstance.create(definition, {
      storage: storageView(this.#opts.storage, mountStoragePrefix(entry)),
      system,
    })
  }

  async #persist(): Promise<void> {
    await saveMountTable(this.#opts.storage, 'secret', this.#entries)
    await saveMountTable(this.#opts.storage, 'auth', this.#entries)
  }
}

/** Vault's defaults: 5 failures, locked for 15 minutes, counter forgotten after 15 quiet minutes. */
const DEFAULT_USER_LOCKOUT: UserLockoutConfig = {
  threshold: 5,
  duration: 900,
  counterReset: 900,
  disable: false,
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
