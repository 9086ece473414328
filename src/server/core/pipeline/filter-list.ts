// Pipeline stage "filter": a LIST answer keeps only the keys the caller's policies can reach.
import type { Acl } from '../../policy/acl.ts'
import { effectivePolicies } from '../identity/effective.ts'
import { filterListByTemplate, filterListKeys } from '../list-filter.ts'
import type { CoreResponse, RequestAuth } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import type { Routed } from './route.ts'

export type FilterServices = Pick<
  UnsealedServices,
  'mounts' | 'identity' | 'policies' | 'clock' | 'listFilter'
>

/** The response with its LIST keys filtered; undefined (a 404) when no key is left. */
export async function filterList(
  services: FilterServices,
  routed: Routed,
  out: CoreResponse | undefined,
  acl: Acl | undefined,
  auth: RequestAuth | undefined,
): Promise<CoreResponse | undefined> {
  const { path, backendRequest, route } = routed
  const { backend, entry } = route
  if (!out || backendRequest.operation !== 'list' || !acl || acl.isRoot || !out.data) return out
  const keys = out.data['keys']
  const template = acl.listKeysFilterPath(path)
  if (template !== undefined) {
    // A policy's list_scan_response_keys_filter_path decides alone, in either list_filter mode (OpenBao's filter).
    out.data = filterListByTemplate(
      acl,
      template,
      path,
      out.data,
      (checkPath) => isRootPath(services, checkPath),
      services.clock.now(),
    )
    if ((out.data['keys'] as unknown[]).length === 0) return undefined
  } else if (
    Array.isArray(keys) &&
    services.listFilter === 'policy' &&
    backend.listKeys(route.relativePath) === 'paths'
  ) {
    const effective = await effectivePolicies(services.identity, auth!.entry)
    const policies = await services.policies.policiesFor(effective?.names ?? [], effective?.identity)
    const aliases = backend.definition.visibilityPaths
    const filtered = filterListKeys(acl, policies, path, keys, (full) =>
      aliases
        ? aliases(full.slice(entry.path.length), backend.system.mount).map((rel) => entry.path + rel)
        : [],
    )
    if (filtered.length === 0) return undefined
    out.data = { ...out.data, keys: filtered }
  }
  return out
}

/** Whether `path` is one of its backend's root paths, which need sudo besides the operation's capability. */
function isRootPath(services: Pick<UnsealedServices, 'mounts'>, path: string): boolean {
  const route = services.mounts.router.match(path)
  return route?.backend.isSpecial('root', route.relativePath) === true
}
