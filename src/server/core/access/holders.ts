// Who holds policies: auth methods' roles, users and keys (their policyHolders hook), token roles, entities, groups.
import type { TemplateIdentity } from '../../policy/template.ts'
import { normalizePolicies } from '../identity/records.ts'
import type { UnsealedServices } from '../services.ts'

/** The services holder collection reads. */
export type HolderServices = Pick<UnsealedServices, 'identity' | 'mounts'>

/** How a holder is named in answers: enough to find it again through the API. */
export interface HolderRef {
  /** entity, group, token, token_role, or `<auth method type>_<kind>` (approle_role, userpass_user, aws-keys_access_key). */
  type: string
  name: string
  /** The auth mount it lives on (`auth/approle/`); absent for entities, groups and tokens. */
  mount?: string
  /** Entity and group IDs, a token's accessor. */
  id?: string
}

export interface Holder extends HolderRef {
  /** Every policy it holds, after adding `default` and the policies of its groups: what its tokens' ACL is built from. */
  policies: string[]
  /** Policy → where it comes from, for policies not held directly (`group/ops`, `role/web`). */
  via: Record<string, string[]>
  /** What templated policy paths are filled from (entities only). */
  identity?: TemplateIdentity
  /** A disabled entity's tokens are refused, so it holds nothing in effect. */
  disabled?: boolean
}

export function holderRef(holder: HolderRef): HolderRef {
  const ref: HolderRef = { type: holder.type, name: holder.name }
  if (holder.mount !== undefined) ref.mount = holder.mount
  if (holder.id !== undefined) ref.id = holder.id
  return ref
}

function addVia(via: Record<string, string[]>, policies: readonly string[], source: string): void {
  for (const policy of normalizePolicies([...policies])) {
    const list = via[policy] ?? []
    if (!list.includes(source)) list.push(source)
    via[policy] = list
  }
}

/** Roles, users, certificates and keys of every enabled auth method that reports them, token roles included. */
async function authMethodHolders(services: HolderServices): Promise<Holder[]> {
  const out: Holder[] = []
  for (const mount of services.mounts.entries) {
    if (mount.table !== 'auth') continue
    const backend = services.mounts.router.get(mount.path)?.backend
    if (!backend) continue
    for (const reported of await backend.policyHolders()) {
      const type = mount.type === 'token' ? `token_${reported.kind}` : `${mount.type}_${reported.kind}`
      const own = normalizePolicies(reported.policies)
      const policies = normalizePolicies([...own, ...(reported.noDefaultPolicy ? [] : ['default'])])
      const via: Record<string, string[]> = {}
      if (reported.via !== undefined) addVia(via, own, reported.via)
      out.push({ type, name: reported.name, mount: mount.path, policies, via })
    }
  }
  return out
}

/** Entities with their own policies and those of every group they are in, directly or through nesting. */
async function entityHolders(services: HolderServices): Promise<Holder[]> {
  const identity = services.identity
  const out: Holder[] = []
  for (const entity of await identity.entities()) {
    const { direct, inherited } = await identity.entityGroups(entity.id)
    const via: Record<string, string[]> = {}
    for (const id of [...direct, ...inherited]) {
      const group = identity.groups.get(id)
      if (group) addVia(via, group.policies, `group/${group.name}`)
    }
    const resolved = await identity.resolve(entity.id)
    const holder: Holder = {
      type: 'entity',
      name: entity.name,
      id: entity.id,
      policies: normalizePolicies([...entity.policies, ...Object.keys(via)]),
      via,
    }
    if (resolved) holder.identity = resolved.template
    if (entity.disabled) holder.disabled = true
    out.push(holder)
  }
  return out
}

/** Groups with their own policies and those of the groups they are members of (members inherit both). */
function groupHolders(services: HolderServices): Holder[] {
  const groups = services.identity.groups
  const out: Holder[] = []
  for (const group of groups.all) {
    const via: Record<string, string[]> = {}
    for (const id of groups.ancestors([group.id])) {
      const parent = groups.get(id)
      if (parent) addVia(via, parent.policies, `group/${parent.name}`)
    }
    out.push({
      type: 'group',
      name: group.name,
      id: group.id,
      policies: normalizePolicies([...group.policies, ...Object.keys(via)]),
      via,
    })
  }
  return out
}

export function compareHolders(a: HolderRef, b: HolderRef): number {
  return (
    a.type.localeCompare(b.type) ||
    (a.mount ?? '').localeCompare(b.mount ?? '') ||
    a.name.localeCompare(b.name) ||
    (a.id ?? '').localeCompare(b.id ?? '')
  )
}

export function sortHolders<T extends HolderRef>(holders: T[]): T[] {
  return holders.sort(compareHolders)
}

/** Every holder the server knows of, sorted by type, mount and name. */
export async function collectHolders(services: HolderServices): Promise<Holder[]> {
  const all = [
    ...(await authMethodHolders(services)),
    ...(await entityHolders(services)),
    ...groupHolders(services),
  ]
  return sortHolders(all)
}
