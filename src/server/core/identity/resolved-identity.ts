// What an entity adds to its tokens: the policies of the entity and its groups, and the values policy templates use.
import type { TemplateIdentity } from '../../policy/template.ts'
import { type EntityRecord, type GroupRecord, normalizePolicies } from './records.ts'

export interface ResolvedIdentity {
  disabled: boolean
  /** The entity's own policies and those of every group it is in, directly or through nesting. */
  policies: string[]
  template: TemplateIdentity
  /** Token policy set (joined) → that set merged with `policies`, so the hot path allocates nothing. */
  merged: Map<string, string[]>
}

export function resolveIdentity(entity: EntityRecord, groups: GroupRecord[]): ResolvedIdentity {
  return {
    disabled: entity.disabled,
    policies: normalizePolicies([...entity.policies, ...groups.flatMap((g) => g.policies)]),
    template: {
      entity: {
        id: entity.id,
        name: entity.name,
        metadata: entity.metadata,
        aliases: entity.aliases.map((a) => ({
          mountAccessor: a.mountAccessor,
          id: a.id,
          name: a.name,
          metadata: a.metadata,
          customMetadata: a.customMetadata,
        })),
      },
      groups: groups.map((g) => ({ id: g.id, name: g.name, metadata: g.metadata })),
    },
    merged: new Map(),
  }
}
