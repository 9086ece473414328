// sys/mounts and sys/auth: list, enable, read, disable and tune secrets engines and auth methods.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f, parseStringMap } from '../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../sdk/request.ts'
import type { MountEntry, MountTableKind } from '../core/mount-table.ts'
import type { SystemServices } from '../core/services.ts'
import { mountView, parseMountConfig, tableKey } from './mount-view.ts'

/** The services this file uses. */
export type MountPathServices = Pick<SystemServices, 'mounts'>

function table(services: MountPathServices, kind: MountTableKind): LogicalResponse {
  const data: Record<string, unknown> = {}
  for (const entry of services.mounts.entries)
    if (entry.table === kind) data[tableKey(entry)] = mountView(entry)
  return { data }
}

function config(raw: unknown, where?: string) {
  try {
    return parseMountConfig(raw, where)
  } catch (error) {
    if (error instanceof TypeError) throw new InvalidRequestError(error.message)
    throw error
  }
}

function tuneView(services: MountPathServices, entry: MountEntry): LogicalResponse {
  const ttls = services.mounts.effectiveTtls(entry)
  const view = mountView(entry)
  // Vault's tune read shows the lockout settings as top-level user_lockout_* keys, not nested.
  const { user_lockout_config: lockout, ...config } = view['config'] as Record<string, unknown>
  return {
    data: {
      ...config,
      ...(lockout as Record<string, unknown> | undefined),
      default_lease_ttl: ttls.defaultLeaseTtl,
      max_lease_ttl: ttls.maxLeaseTtl,
      description: entry.description,
      // Vault's tune read has an options key only when the mount has options.
      ...(Object.keys(entry.options).length > 0 ? { options: entry.options } : {}),
    },
  }
}

/** Mounts whose settings are fixed: Vault refuses tuning them at all, OpenBao lets only the audit HMAC lists through. */
const FIXED_MOUNTS = ['sys/', 'cubbyhole/']
const TUNABLE_ON_FIXED = new Set(['audit_non_hmac_request_keys', 'audit_non_hmac_response_keys'])

/**
 * Refuses a tune of sys/ or cubbyhole/ that changes anything but which keys audit leaves in clear (as OpenBao, and
 * docs/access-review.md tunes sys/ so): their TTLs, description and options are core's, not the operator's.
 */
function refuseFixedTune(entry: MountEntry, input: Record<string, unknown>): void {
  if (!FIXED_MOUNTS.includes(entry.path)) return
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || field === 'path' || TUNABLE_ON_FIXED.has(field)) continue
    throw new InvalidRequestError(`cannot tune parameter ${field} of "${entry.path}"`)
  }
}

const mountFields = {
  path: f.string(),
  type: f.string(),
  description: f.string(),
  config: f.map(),
  options: f.any(),
  local: f.bool(),
  seal_wrap: f.bool(),
  plugin_name: f.string(),
  plugin_version: f.string(),
  external_entropy_access: f.bool(),
  default_lease_ttl: f.any(),
  max_lease_ttl: f.any(),
  force_no_cache: f.any(),
  listing_visibility: f.any(),
  audit_non_hmac_request_keys: f.any(),
  audit_non_hmac_response_keys: f.any(),
  passthrough_request_headers: f.any(),
  allowed_response_headers: f.any(),
  token_type: f.any(),
  user_lockout_config: f.any(),
}

function mountPaths(services: MountPathServices, kind: MountTableKind, prefix: 'mounts' | 'auth') {
  const lookup = (rawPath: string): MountEntry => {
    const entry = services.mounts.find(services.mounts.normalizePath(rawPath, kind))
    if (!entry) throw new InvalidRequestError(`no mount found at "${rawPath}"`)
    return entry
  }
  return [
    definePath({ pattern: prefix, operations: { read: () => table(services, kind) } }),
    definePath({
      pattern: `${prefix}/*path`,
      fields: mountFields,
      operations: {
        read: ({ params }) => {
          if (params['path']!.endsWith('/tune'))
            return tuneView(services, lookup(params['path']!.slice(0, -5)))
          const entry = services.mounts.find(services.mounts.normalizePath(params['path']!, kind))
          return entry ? { data: mountView(entry) } : undefined
        },
        update: async ({ params, input }) => {
          const path = params['path']!
          if (path.endsWith('/tune')) {
            const entry = lookup(path.slice(0, -5))
            refuseFixedTune(entry, input)
            const options = input.options === undefined ? undefined : parseStringMap(input.options, 'options')
            await services.mounts.tune(entry, config(input), input.description, options)
            return undefined
          }
          const type = input.type ?? input.plugin_name
          if (!type) throw new InvalidRequestError('missing required field "type"')
          await services.mounts.mount(kind, {
            path,
            type,
            ...(input.description !== undefined ? { description: input.description } : {}),
            config: config(input.config, 'config'),
            options:
              input.options === undefined || input.options === null
                ? {}
                : parseStringMap(input.options, 'options'),
            ...(input.local !== undefined ? { local: input.local } : {}),
            ...(input.seal_wrap !== undefined ? { sealWrap: input.seal_wrap } : {}),
          })
          return undefined
        },
        delete: async ({ params }) => {
          await services.mounts.unmount(kind, params['path']!)
          return undefined
        },
      },
    }),
  ]
}

export function mountsPaths(services: MountPathServices) {
  return [...mountPaths(services, 'secret', 'mounts'), ...mountPaths(services, 'auth', 'auth')]
}
