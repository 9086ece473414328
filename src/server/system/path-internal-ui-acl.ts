// sys/internal/ui/resultant-acl: the caller's own ACL (every rule of its policies, merged), in Vault's UI shape.
import { definePath } from '../../sdk/framework/backend.ts'
import { effectivePolicies } from '../core/identity/effective.ts'
import { authOf } from '../core/logical-request.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type ResultantAclServices = Pick<SystemServices, 'identity' | 'policies'>

function capabilityMap(rules: Map<string, string[]>): Record<string, { capabilities: string[] }> {
  const out: Record<string, { capabilities: string[] }> = {}
  for (const path of [...rules.keys()].sort()) out[path] = { capabilities: rules.get(path)! }
  return out
}

export function resultantAclPaths(services: ResultantAclServices) {
  return [
    definePath({
      pattern: 'internal/ui/resultant-acl',
      help: "The caller's merged ACL: what the web UI shows and hides by.",
      operations: {
        read: async ({ request }) => {
          const entry = authOf(request)?.entry
          // As Vault: without a token there is no ACL to show (the UI then knows nothing is allowed).
          if (entry === undefined) return undefined
          // Entity and group policies count, as they do for the requests the UI will send.
          const effective = await effectivePolicies(services.identity, entry)
          // A disabled entity's token may do nothing (its requests are refused before they get here).
          if (effective === undefined) return undefined
          const acl = await services.policies.acl(effective.names, effective.identity)
          const { exact, glob } = acl.resultant()
          return {
            data: {
              exact_paths: capabilityMap(exact),
              glob_paths: capabilityMap(glob),
              root: acl.isRoot,
              chroot_namespace: '',
            },
          }
        },
      },
    }),
  ]
}
