// ACL policies kept at sys/policy/<name>, parsed once and compiled into cached ACLs per policy set.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import { Acl } from '../policy/acl.ts'
import {
  DEFAULT_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME,
  ROOT_POLICY_NAME,
  responseWrappingPolicy,
} from '../policy/builtin-policies.ts'
import { parsePolicy } from '../policy/parse-policy.ts'
import type { Policy } from '../policy/policy.ts'
import { hasTemplates, resolvePolicyTemplates, type TemplateIdentity } from '../policy/template.ts'
import type { AccessChangeListener } from './access-change.ts'

interface StoredPolicy {
  name: string
  raw: string
}

const WRAPPING_POLICY = responseWrappingPolicy()

const NAME = /^[\w.@-]([\w.@/-]*[\w.@-])?$/

export class PolicyStore {
  readonly #storage: Storage
  readonly #parsed = new Map<string, Policy>()
  readonly #acls = new Map<string, Acl>()
  /**
   * ACLs of templated policy sets, kept on the identity they were filled from: the identity store hands out one
   * object per entity until the entity (or anything it is filled from) changes, so an ACL built from what a
   * request resolved before a change can only be found again by requests holding that same, older object.
   */
  #templatedAcls = new WeakMap<TemplateIdentity, Map<string, Acl>>()
  /** cachedAcl's answer per policy-name array, valid for one generation and one identity object. */
  readonly #aclByNames = new WeakMap<
    readonly string[],
    { generation: number; identity: TemplateIdentity | undefined; acl: Acl }
  >()
  /**
   * Bumped before and after every policy write, delete and identity change: a parse or ACL built from what was
   * read before the change is returned to its caller but never cached, so no request that starts after a write
   * returned is authorised by the old text (reads are a real await gap on PostgreSQL).
   */
  #generation = 0
  readonly #accessListeners: AccessChangeListener[] = []

  constructor(storage: Storage) {
    this.#storage = storage
  }

  /** Writes the default policy on first unseal; an operator may edit it later, as in Vault. */
  async load(): Promise<void> {
    this.#generation++
    this.#parsed.clear()
    this.#acls.clear()
    this.#templatedAcls = new WeakMap()
    if (!(await this.#storage.get('default'))) await this.write('default', DEFAULT_POLICY)
  }

  normalizeName(name: string): string {
    const lower = this.existingName(name)
    if (lower === undefined) throw new InvalidRequestError(`invalid policy name "${name}"`)
    return lower
  }

  /**
   * The stored name for reads and deletes, or undefined for a name no policy can have (writes refuse it): Vault
   * answers those with a 404 and a 204, so cleaning up a name that was never written is not an error.
   */
  existingName(name: string): string | undefined {
    const lower = name.trim().toLowerCase()
    return NAME.test(lower) && !lower.includes('..') ? lower : undefined
  }

  async list(): Promise<string[]> {
    const names = (await this.#storage.list('')).filter((name) => !name.endsWith('/'))
    return [...new Set([...names, ROOT_POLICY_NAME])].sort()
  }

  async read(name: string): Promise<string | undefined> {
    if (name === ROOT_POLICY_NAME) return ''
    // Built in and never stored, yet readable as in Vault (only listing leaves it out, as it cannot be assigned).
    if (name === RESPONSE_WRAPPING_POLICY_NAME) return WRAPPING_POLICY.raw
    return (await getJson<StoredPolicy>(this.#storage, name))?.raw
  }

  /** Store a policy; returns the parser's warnings about constructs accepted as written. */
  async write(name: string, raw: string): Promise<string[]> {
    if (name === ROOT_POLICY_NAME || name === RESPONSE_WRAPPING_POLICY_NAME)
      throw new InvalidRequestError(`cannot update "${name}" policy`)
    const parsed = parsePolicy(name, raw)
    await this.#changing(name, () => putJson(this.#storage, name, { name, raw } satisfies StoredPolicy))
    return parsed.warnings ?? []
  }

  async delete(name: string): Promise<void> {
    if (name === ROOT_POLICY_NAME || name === 'default' || name === RESPONSE_WRAPPING_POLICY_NAME)
      throw new InvalidRequestError(`cannot delete "${name}" policy`)
    await this.#changing(name, () => this.#storage.delete(name))
  }

  /** Told of every policy write and delete once it is stored (awaited): event subscriptions. */
  onAccessChange(listener: AccessChangeListener): void {
    this.#accessListeners.push(listener)
  }

  /** Forget the policy and every compiled ACL before and after the storage write, and tell the listeners. */
  async #changing(name: string, write: () => Promise<void>): Promise<void> {
    this.#forget(name)
    try {
      await write()
    } finally {
      this.#forget(name)
      // Also after a failed write: it may have reached storage before failing.
      await Promise.all(this.#accessListeners.map((listener) => listener.changed({ policy: name })))
    }
  }

  /** Forget a policy another node wrote (an HA standby following the change log), and every compiled ACL. */
  forgetPolicy(name: string): void {
    this.#forget(name)
  }

  #forget(name: string): void {
    this.#generation++
    this.#parsed.delete(name)
    this.#acls.clear()
    this.#templatedAcls = new WeakMap()
  }

  async exists(name: string): Promise<boolean> {
    return name === ROOT_POLICY_NAME || (await this.#get(name)) !== undefined
  }

  /**
   * The parsed policies behind a token's names (root has no rules; unknown names are skipped), with identity
   * templates filled in for the token's entity (a template it cannot fill makes that path match nothing).
   */
  async policiesFor(names: string[], identity?: TemplateIdentity): Promise<Policy[]> {
    const out: Policy[] = []
    for (const name of names) {
      if (name === ROOT_POLICY_NAME) out.push({ name, raw: '', rules: [] })
      else {
        const policy = await this.#get(name)
        if (policy) out.push(resolvePolicyTemplates(policy, identity))
      }
    }
    return out
  }

  /**
   * The compiled ACL for a token's policies; unknown names contribute nothing, as in Vault. A set holding a
   * templated policy is cached per resolved identity of an entity, so only those ACLs multiply with the entities.
   */
  async acl(names: string[], identity?: TemplateIdentity): Promise<Acl> {
    const cached = this.cachedAcl(names, identity)
    if (cached) return cached
    const key = names.join('\n')
    const generation = this.#generation
    const policies = await this.policiesFor(names, identity)
    const acl = new Acl(policies)
    const isTemplated = await this.#anyTemplated(names)
    if (generation !== this.#generation) return acl
    if (!isTemplated) {
      if (this.#acls.size > 1000) this.#acls.clear()
      this.#acls.set(key, acl)
    } else if (!identity) {
      // Without an entity every template fills to nothing, the same for every such token. '#' cannot occur in a
      // policy name, so this key never collides with a plain one.
      this.#acls.set(`${key}\n#`, acl)
    } else {
      // Not by entity id: `identity` may have been resolved before a change announced since `generation` was read.
      let byNames = this.#templatedAcls.get(identity)
      if (!byNames) {
        byNames = new Map()
        this.#templatedAcls.set(identity, byNames)
      }
      if (byNames.size > 100) byNames.clear()
      byNames.set(key, acl)
    }
    return acl
  }

  /**
   * The compiled ACL if it is cached, without a turn of the event loop: the read path's common case. Whatever
   * `acl` would drop on a policy write, delete or identity change, this no longer finds.
   */
  cachedAcl(names: string[], identity?: TemplateIdentity): Acl | undefined {
    // A token's policy list is one array for as long as its entry is cached: what it resolved to is remembered on
    // it, and trusted only while nothing changed (every policy write, delete and identity change bumps the
    // generation) and for the same identity object (one per entity until an identity change).
    const memo = this.#aclByNames.get(names)
    if (memo && memo.generation === this.#generation && memo.identity === identity) return memo.acl
    const key = names.join('\n')
    const acl =
      this.#acls.get(key) ??
      (identity ? this.#templatedAcls.get(identity)?.get(key) : this.#acls.get(`${key}\n#`))
    if (acl) this.#aclByNames.set(names, { generation: this.#generation, identity, acl })
    return acl
  }

  /** Forget compiled ACLs whose templates were filled from identity data that has since changed. */
  forgetTemplatedAcls(): void {
    this.#generation++
    this.#templatedAcls = new WeakMap()
  }

  async #anyTemplated(names: string[]): Promise<boolean> {
    for (const name of names) {
      const policy = name === ROOT_POLICY_NAME ? undefined : await this.#get(name)
      if (policy && hasTemplates(policy)) return true
    }
    return false
  }

  async #get(name: string): Promise<Policy | undefined> {
    if (name === RESPONSE_WRAPPING_POLICY_NAME) return WRAPPING_POLICY
    const cached = this.#parsed.get(name)
    if (cached) return cached
    const generation = this.#generation
    const stored = await getJson<StoredPolicy>(this.#storage, name)
    if (!stored) return undefined
    const policy = parsePolicy(name, stored.raw)
    if (generation === this.#generation) this.#parsed.set(name, policy)
    return policy
  }
}
