// defineBackend/definePath and the dispatcher that turns a BackendRequest into a handler call.
import { NotFoundError, UnsupportedOperationError } from '../errors.ts'
import type { InventoryItem } from '../inventory.ts'
import type {
  BackendEnv,
  BackendRequest,
  ConnectionInfo,
  LogicalResponse,
  MountInfo,
  Operation,
  SystemView,
} from '../request.ts'
import type { Storage } from '../storage.ts'
import { type Fields, type FieldValues, parseFieldValues } from './fields.ts'
import { type CompiledPattern, compareRank, compilePattern } from './path-pattern.ts'
import { DEFAULT_USER_LOCKOUT, type UserLockout } from './user-lockout.ts'

/** What an auth method is told when a token it issued is renewed (see BackendDefinition.renewLogin). */
export interface LoginRenewal {
  internal: Record<string, unknown>
  policies: string[]
  /** The renewal request's TLS connection; undefined over plain HTTP. */
  connection?: ConnectionInfo
}

/**
 * An auth method's answer to a renewal it allows: its role's (user's, certificate's) token settings as they are now,
 * in seconds, 0 or absent for unset. Core applies them as Vault's CalculateTTL does, afresh at every renewal.
 */
export interface LoginRenewalVerdict {
  /** token_ttl: what a renewal without an increment grants (unset: the auth mount's default lease TTL). */
  tokenTtl?: number
  /** token_max_ttl, counted from the token's creation (raised or lowered since, it binds as it is now). */
  maxTtl?: number
  /** token_period: renewals grant the period and are free of the max TTL (only an explicit max ends them). */
  period?: number
}

export interface HandlerContext<F extends Fields = Fields, S = unknown> {
  storage: Storage
  system: SystemView
  state: S
  request: BackendRequest
  /** Typed, coerced values of the declared fields (path captures included). */
  input: FieldValues<F>
  /** Path captures by name. */
  params: Readonly<Record<string, string>>
}

export type Handler<F extends Fields = Fields, S = unknown> = (
  ctx: HandlerContext<F, S>,
) => Promise<LogicalResponse | undefined> | LogicalResponse | undefined

export interface PathDefinition<F extends Fields = Fields, S = unknown> {
  pattern: string
  fields?: F
  /** Accept body keys that match no field without a warning (KV stores arbitrary keys). */
  acceptAnyData?: boolean
  operations: Partial<Record<Operation, Handler<F, S>>>
  /** Decides whether a POST/PUT is a create or an update for the ACL; undefined means "treat as update". */
  exists?: (ctx: HandlerContext<F, S>) => Promise<boolean | undefined>
  help?: string
  /**
   * What the keys of this path's LIST are; required of every path with a `list` operation. 'paths': children
   * the caller addresses below this path (KV secrets, cubbyhole), which core filters by the caller's policies.
   * 'names': identifiers (role and policy names, accessors, lease IDs, entity IDs) that are not paths a policy
   * would name key by key, so everyone granted `list` sees them all, as in Vault.
   */
  listKeys?: ListKeys
  /** Left out of the OpenAPI document (Vault's Unpublished): a catch-all that only refuses, for instance. */
  unpublished?: boolean
}

export type ListKeys = 'paths' | 'names'

export interface SecretDefinition<S = unknown> {
  type: string
  renew?: (
    ctx: { storage: Storage; system: SystemView; state: S },
    internal: Record<string, unknown>,
    lease: { ttl: number; increment: number },
  ) => Promise<{ ttl?: number; internal?: Record<string, unknown> } | undefined>
  revoke: (
    ctx: { storage: Storage; system: SystemView; state: S },
    internal: Record<string, unknown>,
  ) => Promise<void>
}

export interface BackendDefinition<S = unknown> {
  kind: 'secret' | 'auth'
  help: string
  /** The paths, or a function choosing them from the mount (KV serves v1 or v2 paths by its version option). */
  // biome-ignore lint/suspicious/noExplicitAny: paths have heterogeneous field types
  paths: PathDefinition<any, S>[] | ((env: BackendEnv) => PathDefinition<any, S>[])
  /** Paths relative to the mount: `unauthenticated` skip the token check; `root` also need sudo. A trailing * is a prefix. */
  specialPaths?: { unauthenticated?: string[]; root?: string[] }
  /**
   * Extra mount-relative paths whose permissions also make a listed key visible, for backends whose list
   * and read live under different prefixes (KV v2 lists `metadata/x` but reads `data/x`).
   */
  visibilityPaths?: (path: string, mount: MountInfo) => string[]
  setup?: (env: BackendEnv) => Promise<S> | S
  cleanup?: (state: S) => Promise<void> | void
  /**
   * Background work (scheduled rotations, tidying) that core runs about once a second while unsealed;
   * a run that is still going when the next is due is skipped, never overlapped.
   */
  periodic?: (ctx: { storage: Storage; system: SystemView; state: S }) => Promise<void>
  secrets?: SecretDefinition<S>[]
  /**
   * Every secret value the engine holds in clear form, for the server's leak fingerprint index
   * (sys/leak/fingerprints). Only string values; `path` is the logical path as clients name it
   * (mount included, e.g. `secret/data/prod/db`). The values never leave the server.
   */
  storedValues?: (ctx: { storage: Storage; system: SystemView; state: S }) => AsyncIterable<StoredValue>
  /**
   * Every secret the engine holds, described without its value (names, dates, rotation), for the server's
   * compliance report (sys/reports/compliance).
   */
  inventory?: (ctx: { storage: Storage; system: SystemView; state: S }) => AsyncIterable<InventoryItem>
  /**
   * The engine uses the caller's KMS keys (SystemView.keys) while handling requests: core then keeps each
   * request's authorisation for the key service to check the key's permissions against. Without it, every use
   * of a key on a caller's behalf is refused.
   */
  usesKeyService?: true
  /**
   * Auth methods: asked before a token this method issued is renewed, with the `internal` the login returned,
   * the token's policies and the TLS connection of the renewal request (the cert method re-checks the client
   * certificate on it, as Vault does). Throw (an InvalidRequestError) to refuse — the user, role or certificate
   * is gone or changed — or return a TTL to cap the renewal and the role's current token_max_ttl (`maxTtl`):
   * as Vault's renew handlers hand it back, a renewal never reaches past the token's creation plus it, so lowering
   * it on the role curtails tokens already issued. Without the hook, renewals are not checked.
   */
  renewLogin?: (
    ctx: { storage: Storage; system: SystemView; state: S },
    login: LoginRenewal,
  ) => Promise<LoginRenewalVerdict | undefined>
  /**
   * Auth methods with Vault's user lockout: their lockout and how an alias (username, role ID) maps to the
   * identity it is counted under, so sys/locked-users can list and unlock.
   */
  userLockout?: (state: S) => { lockout: UserLockout; identityOf(alias: string): string }
  /**
   * Auth methods whose login names its role in the request: that role, read from the login request and the
   * mount's state (no storage: it runs before the request is routed), so core can apply a rate-limit quota set
   * for the role (Vault's role resolution). Without it, the method's logins cannot be limited by role.
   */
  loginRole?: (login: { path: string; data: Record<string, unknown>; state: S }) => string | undefined
  /**
   * Auth methods: every role, user, certificate or key whose logins receive policies, with those policies, so
   * access review (sys/access) can say who holds a policy without knowing how the method stores its roles.
   */
  policyHolders?: (ctx: { storage: Storage; system: SystemView; state: S }) => Promise<PolicyHolder[]>
}

/** Something an auth method hands policies to at login, as `policyHolders` reports it. */
export interface PolicyHolder {
  /** What it is in the method's own terms: role, user, certificate, access_key. */
  kind: string
  /** Its name in the method's API (a role name, a username, an access key ID). */
  name: string
  /** The token policies a login receives from it, `default` excluded. */
  policies: string[]
  /** Logins leave the `default` policy off (token_no_default_policy). */
  noDefaultPolicy: boolean
  /** A holder whose policies come from another holder: an access key's role. */
  via?: string
}

/** One stored secret value, as a backend reports it to the leak fingerprint index. */
export interface StoredValue {
  path: string
  field: string
  /** The KV v2 version, when the engine keeps versions. */
  version?: number
  value: string
}

export function definePath<F extends Fields, S = unknown>(def: PathDefinition<F, S>): PathDefinition<F, S> {
  return def
}

export function defineBackend<S>(def: BackendDefinition<S>): BackendDefinition<S> {
  return def
}

interface CompiledPath {
  pattern: CompiledPattern
  // biome-ignore lint/suspicious/noExplicitAny: see BackendDefinition.paths
  def: PathDefinition<any, any>
}

/** A backend bound to its mount: storage view, system view and state. Core talks only to this. */
/** A request path's declared path and its parameters. */
interface PathMatch {
  compiled: CompiledPath
  params: Readonly<Record<string, string>>
}

/** How many distinct request paths one mount remembers the match of before starting over. */
const MATCH_MEMO_LIMIT = 4096
/** The longest path remembered: with the limit above, at most a few MiB per mount whatever clients send. */
const MATCH_MEMO_MAX_PATH = 512

export class BackendInstance {
  readonly definition: BackendDefinition<unknown>
  readonly #paths: CompiledPath[]
  readonly #matches = new Map<string, PathMatch>()
  readonly #env: BackendEnv
  #state: unknown
  #periodicRunning = false

  private constructor(definition: BackendDefinition<unknown>, env: BackendEnv) {
    this.definition = definition
    this.#env = env
    const paths = typeof definition.paths === 'function' ? definition.paths(env) : definition.paths
    this.#paths = paths
      .map((def) => ({ pattern: compilePattern(def.pattern), def }))
      .sort((a, b) => compareRank(a.pattern.rank, b.pattern.rank))
  }

  static async create<S>(definition: BackendDefinition<S>, env: BackendEnv): Promise<BackendInstance> {
    const instance = new BackendInstance(definition as BackendDefinition<unknown>, env)
    instance.#state = definition.setup ? await definition.setup(env) : undefined
    return instance
  }

  get storage(): Storage {
    return this.#env.storage
  }

  get state(): unknown {
    return this.#state
  }

  get system(): SystemView {
    return this.#env.system
  }

  async cleanup(): Promise<void> {
    await this.definition.cleanup?.(this.#state)
  }

  /** Runs the backend's periodic hook, if any; never two at once for one mount. */
  async periodic(): Promise<void> {
    const hook = this.definition.periodic
    if (!hook || this.#periodicRunning) return
    this.#periodicRunning = true
    try {
      await hook({ storage: this.#env.storage, system: this.#env.system, state: this.#state })
    } finally {
      this.#periodicRunning = false
    }
  }

  /** The backend's stored values (empty when it declares none); see BackendDefinition.storedValues. */
  storedValues(): AsyncIterable<StoredValue> {
    const hook = this.definition.storedValues
    if (!hook) return (async function* () {})()
    return hook({ storage: this.#env.storage, system: this.#env.system, state: this.#state })
  }

  /** The auth method's policy holders (empty when it declares none); see BackendDefinition.policyHolders. */
  async policyHolders(): Promise<PolicyHolder[]> {
    const hook = this.definition.policyHolders
    if (!hook) return []
    return hook({ storage: this.#env.storage, system: this.#env.system, state: this.#state })
  }

  /** The backend's inventory (empty when it declares none); see BackendDefinition.inventory. */
  inventory(): AsyncIterable<InventoryItem> {
    const hook = this.definition.inventory
    if (!hook) return (async function* () {})()
    return hook({ storage: this.#env.storage, system: this.#env.system, state: this.#state })
  }

  /** The auth method's verdict on renewing a token it issued (see BackendDefinition.renewLogin). */
  async renewLogin(login: LoginRenewal): Promise<LoginRenewalVerdict | undefined> {
    const hook = this.definition.renewLogin
    if (!hook) return undefined
    return hook({ storage: this.#env.storage, system: this.#env.system, state: this.#state }, login)
  }

  /** The aliases this auth method has locked out now (empty without user lockout). */
  async lockedUsers(): Promise<string[]> {
    const hook = this.definition.userLockout
    if (!hook) return []
    return hook(this.#state).lockout.lockedAliases(
      this.#env.system.userLockout ?? DEFAULT_USER_LOCKOUT,
      this.#env.system.now(),
    )
  }

  /** Lift the lockout of `alias`; false when it was not locked or the method has no lockout. */
  async unlockUser(alias: string): Promise<boolean> {
    const hook = this.definition.userLockout
    if (!hook) return false
    const { lockout, identityOf } = hook(this.#state)
    return lockout.unlock(identityOf(alias))
  }

  /** The path definitions, ranked as matching tries them. */
  get pathDefinitions(): readonly PathDefinition[] {
    return this.#paths.map((compiled) => compiled.def)
  }

  /** What a LIST of `path` answers (see PathDefinition.listKeys); 'paths', the filtered kind, unless declared. */
  listKeys(path: string): ListKeys {
    return this.#find(path)?.compiled.def.listKeys ?? 'paths'
  }

  /** The declared path that serves `path` (relative to the mount); undefined when none does. */
  // biome-ignore lint/suspicious/noExplicitAny: see BackendDefinition.paths
  declarationFor(path: string): PathDefinition<any, any> | undefined {
    return this.#find(path)?.compiled.def
  }

  isSpecial(kind: 'unauthenticated' | 'root', path: string): boolean {
    const list = this.definition.specialPaths?.[kind] ?? []
    return list.some((entry) => (entry.endsWith('*') ? path.startsWith(entry.slice(0, -1)) : path === entry))
  }

  /** How many request paths this mount remembers the match of (bounded; see #find). */
  get rememberedPaths(): number {
    return this.#matches.size
  }

  /**
   * The declared path serving `path`, with its captures. The path table never changes after construction, so what
   * a path matched is remembered when `remember` is set (reads and lists: the paths asked for again and again): a
   * hot path is then one Map lookup instead of a regex per declared path. Writes usually name a new path each time
   * (a new secret), so they only look. Request paths are caller-chosen, so only matches of modest length are kept,
   * and the table is emptied when full: what it can hold stays small (MATCH_MEMO_*).
   */
  #find(path: string, remember = false): PathMatch | undefined {
    const known = this.#matches.get(path)
    if (known !== undefined) return known
    for (const compiled of this.#paths) {
      const params = compiled.pattern.match(path)
      if (!params) continue
      // Shared by every request for this path: frozen, so no handler can change what the next one is handed.
      const found: PathMatch = { compiled, params: Object.freeze(params) }
      if (remember && path.length <= MATCH_MEMO_MAX_PATH) {
        if (this.#matches.size >= MATCH_MEMO_LIMIT) this.#matches.clear()
        this.#matches.set(path, found)
      }
      return found
    }
    return undefined
  }

  #context(
    compiled: CompiledPath,
    params: Readonly<Record<string, string>>,
    request: BackendRequest,
  ): HandlerContext {
    const fields = compiled.def.fields ?? {}
    let data = request.data
    for (const name in params) {
      if (!(name in fields)) continue
      // Copied only when a path parameter goes in, so the request's own data is never changed; and only the declared
      // fields, all that is read from it: a body of a million keys made every login copy all of them (seconds of CPU).
      if (data === request.data) data = declaredOnly(fields, request.data)
      data[name] = params[name]
    }
    const values = parseFieldValues(fields, data)
    return {
      storage: this.#env.storage,
      system: this.#env.system,
      state: this.#state,
      request,
      input: values,
      params,
    }
  }

  /** Whether the object a POST/PUT targets exists; undefined when the path declares no check. */
  async exists(request: BackendRequest): Promise<boolean | undefined> {
    const found = this.#find(request.path)
    if (!found?.compiled.def.exists) {
      if (!found) return undefined
      const ops = found.compiled.def.operations
      if (ops.create && !ops.update) return false
      return undefined
    }
    return found.compiled.def.exists(this.#context(found.compiled, found.params, request))
  }

  async handle(request: BackendRequest): Promise<LogicalResponse | undefined> {
    const found = this.#find(request.path, request.operation === 'read' || request.operation === 'list')
    if (!found) throw new NotFoundError(`unsupported path`)
    const { def } = found.compiled
    const ops = def.operations
    // create and update share a handler when a path declares only one of them, as Vault's framework does.
    const handler =
      ops[request.operation] ??
      (request.operation === 'create' ? ops.update : request.operation === 'update' ? ops.create : undefined)
    if (!handler) throw new UnsupportedOperationError()
    const ctx = this.#context(found.compiled, found.params, request)
    const response = await handler(ctx)
    // Vault adds these to a response only: a handler that answers nothing (204) is left answering nothing.
    if (!response) return response
    const warnings = [...(response.warnings ?? [])]
    // Reads and lists included: Vault hands a GET's query parameters to the path as its data. A path that declares
    // no fields reads what it wants from the request itself, so nothing it is sent counts as ignored.
    if (!def.acceptAnyData && def.fields) {
      const unknown = Object.keys(request.data)
        .filter((name) => !(name in def.fields))
        .sort()
      if (unknown.length > 0)
        warnings.push(`Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`)
    }
    // A body value the path's capture of the same name overrode (the URL takes priority, as in Vault).
    const replaced = Object.keys(found.params)
      .filter((name) => Object.hasOwn(request.data, name) && request.data[name] != null)
      .sort()
    if (replaced.length > 0)
      warnings.push(
        `Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [${replaced.join(' ')}]`,
      )
    return warnings.length > (response.warnings?.length ?? 0) ? { ...response, warnings } : response
  }

  secret(type: string): SecretDefinition<unknown> | undefined {
    return this.definition.secrets?.find((s) => s.type === type)
  }
}

/** The entries of `data` that name a declared field. */
function declaredOnly(fields: Fields, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name in fields) if (Object.hasOwn(data, name)) out[name] = data[name]
  return out
}
