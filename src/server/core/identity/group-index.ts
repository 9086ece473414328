// Every group in memory (groups are few and every policy decision may walk their nesting), indexed by name and alias.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { GroupRecord } from './records.ts'

function aliasIndexKey(accessor: string, name: string): string {
  return `${accessor}\u0000${name.toLowerCase()}`
}

export class GroupIndex {
  readonly #byId = new Map<string, GroupRecord>()
  readonly #byName = new Map<string, string>()
  readonly #byAlias = new Map<string, string>()
  readonly #byAliasId = new Map<string, string>()

  get all(): IterableIterator<GroupRecord> {
    return this.#byId.values()
  }

  clear(): void {
    this.#byId.clear()
    this.#byName.clear()
    this.#byAlias.clear()
    this.#byAliasId.clear()
  }

  get(id: string): GroupRecord | undefined {
    return this.#byId.get(id)
  }

  byName(name: string): GroupRecord | undefined {
    const id = this.#byName.get(name.toLowerCase())
    return id === undefined ? undefined : this.#byId.get(id)
  }

  byAlias(accessor: string, name: string): GroupRecord | undefined {
    const id = this.#byAlias.get(aliasIndexKey(accessor, name))
    return id === undefined ? undefined : this.#byId.get(id)
  }

  byAliasId(aliasId: string): GroupRecord | undefined {
    const id = this.#byAliasId.get(aliasId)
    return id === undefined ? undefined : this.#byId.get(id)
  }

  /** Replace (or add) a group in every index; the caller has already stored it. */
  set(group: GroupRecord): void {
    this.delete(group.id)
    this.#byId.set(group.id, group)
    this.#byName.set(group.name.toLowerCase(), group.id)
    if (group.alias) {
      this.#byAlias.set(aliasIndexKey(group.alias.mountAccessor, group.alias.name), group.id)
      this.#byAliasId.set(group.alias.id, group.id)
    }
  }

  delete(id: string): void {
    const old = this.#byId.get(id)
    if (!old) return
    this.#byId.delete(id)
    this.#byName.delete(old.name.toLowerCase())
    if (old.alias) {
      this.#byAlias.delete(aliasIndexKey(old.alias.mountAccessor, old.alias.name))
      this.#byAliasId.delete(old.alias.id)
    }
  }

  /** Groups that list `id` among their member groups. */
  parentsOf(id: string): string[] {
    const out: string[] = []
    for (const group of this.#byId.values()) if (group.memberGroupIds.includes(id)) out.push(group.id)
    return out.sort()
  }

  /** Every group above the given ones through member_group_ids (not including them), cycle-safe. */
  ancestors(start: Iterable<string>): string[] {
    const seen = new Set(start)
    const queue = [...seen]
    const out: string[] = []
    while (queue.length > 0) {
      for (const parent of this.parentsOf(queue.pop()!)) {
        if (seen.has(parent)) continue
        seen.add(parent)
        out.push(parent)
        queue.push(parent)
      }
    }
    return out.sort()
  }

  /** Refuse member groups that are unknown, the group itself, or would make the nesting circular. */
  checkMemberGroups(groupId: string, memberIds: string[]): void {
    for (const memberId of memberIds) {
      // Vault's order and texts (SanitizeAndUpsertGroup); it answers the first two with a 500, Coffer with a 400.
      if (!this.#byId.has(memberId)) throw new InvalidRequestError(`invalid member group ID "${memberId}"`)
      if (memberId === groupId)
        throw new InvalidRequestError(`member group ID "${groupId}" is same as the ID of the group`)
      if (this.ancestors([groupId]).includes(memberId))
        throw new InvalidRequestError(`cyclic relationship detected for member group ID "${memberId}"`)
    }
  }
}
