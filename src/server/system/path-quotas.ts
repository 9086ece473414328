// sys/quotas/rate-limit/:name (write, read, delete, LIST) and sys/quotas/config, on core's quota manager.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { listResponse } from '../../sdk/framework/list-response.ts'
import { normaliseExemptPath, type QuotaConfig } from '../core/quotas/quota-config.ts'
import type { StoredQuota } from '../core/quotas/quota-manager.ts'
import { quotaData } from '../core/quotas/rate-limit-quota.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type QuotaServices = Pick<SystemServices, 'quotas' | 'mounts'>

/** Vault's name rule for quotas (its GenericNameRegex). */
const NAME = /^\w(?:[\w.-]*\w)?$/

function checkName(name: string): string {
  if (!NAME.test(name)) throw new InvalidRequestError(`invalid quota name "${name}"`)
  return name
}

/** Vault takes the rate as a number (a fraction too) or a numeric string, and refuses anything not above zero. */
function parseRate(value: unknown): number {
  const rate = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
    throw new InvalidRequestError("'rate' is invalid or not positive")
  return rate
}

/**
 * The stored form of a quota's path and role: '' is global; otherwise the path must fall in a mount (namespaces do
 * not exist here), a mount's own path is stored with its trailing slash, and a '*' may end a path inside a mount.
 * A role needs an auth mount whose logins name their role.
 */
function placeQuota(
  services: QuotaServices,
  rawPath: string,
  role: string,
): { path: string; mount: string | undefined } {
  const path = rawPath.trim().replace(/^\/+/, '')
  if (path === '') {
    if (role !== '') throw new InvalidRequestError('a role quota needs the path of an auth mount')
    return { path: '', mount: undefined }
  }
  if (path.indexOf('*') !== -1 && path.indexOf('*') !== path.length - 1)
    throw new InvalidRequestError(`invalid path "${path}": '*' may only end the path`)
  const route = services.mounts.router.match(path.replace(/\*$/, ''))
  if (route === undefined) throw new InvalidRequestError(`invalid mount path "${path}"`)
  const mount = route.entry.path
  const isMount = path === mount || `${path}/` === mount
  if (role !== '') {
    if (route.entry.table !== 'auth' || !isMount)
      throw new InvalidRequestError(
        `a role quota needs the path of an auth mount ("auth/<method>/"), not "${path}"`,
      )
    if (route.backend.definition.loginRole === undefined)
      throw new InvalidRequestError(
        `the ${route.entry.type} auth method at ${mount} does not name a role in its login request, so it cannot have role quotas`,
      )
  }
  return { path: isMount ? mount : path, mount }
}

export function quotaPaths(services: QuotaServices) {
  const quotaFields = {
    name: f.string({ required: true, description: 'The name of the quota.' }),
    path: f.string({
      default: '',
      description:
        'Where the quota applies: empty for every path, a mount ("secret/"), a path in a mount, or such a path ending in "*".',
    }),
    role: f.string({ default: '', description: 'A role of the auth mount `path` names: its logins only.' }),
    rate: f.any({ description: 'Requests allowed per interval for each client address (above zero).' }),
    interval: f.duration({ default: 1, description: 'The length of the window the rate counts in.' }),
    block_interval: f.duration({
      default: 0,
      description: 'How long a client that went over the limit is refused everything.',
    }),
    inheritable: f.bool({
      description: 'Accepted for Vault compatibility (namespaces); only a global quota may set it.',
    }),
    type: f.string({ description: 'Ignored; a rate-limit quota is of type "rate-limit".' }),
  }
  return [
    definePath({
      pattern: 'quotas/rate-limit/',
      listKeys: 'names',
      operations: { list: async () => listResponse(services.quotas.names()) },
    }),
    definePath({
      pattern: 'quotas/rate-limit/:name',
      fields: quotaFields,
      help: 'A rate-limit quota: requests per interval for each client address, on a path, mount or login role.',
      exists: async ({ input }) => services.quotas.get(checkName(input.name!)) !== undefined,
      operations: {
        read: async ({ input }) => {
          const quota = services.quotas.get(checkName(input.name!))
          return quota === undefined ? undefined : { data: quotaData(quota) }
        },
        update: async ({ input }) => {
          const name = checkName(input.name!)
          const rate = parseRate(input.rate)
          const role = input.role!.trim()
          const { path, mount } = placeQuota(services, input.path!, role)
          if (input.inheritable === true && path !== '')
            throw new InvalidRequestError('inheritable can only be set on a global quota (path "")')
          const quota: StoredQuota = {
            name,
            path,
            role,
            rate,
            // Vault treats an interval of zero as the default second.
            interval: input.interval! > 0 ? input.interval! : 1,
            block_interval: input.block_interval!,
            // Only root-namespace (global) quotas are inherited by default, as in Vault.
            inheritable: input.inheritable ?? path === '',
            ...(mount === undefined ? {} : { mount }),
          }
          await services.quotas.put(quota)
          return undefined
        },
        delete: async ({ input }) => {
          await services.quotas.delete(checkName(input.name!))
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'quotas/config',
      fields: {
        rate_limit_exempt_paths: f.list({
          description: 'Paths (or path prefixes ending in "*") no quota applies to.',
        }),
        enable_rate_limit_audit_logging: f.bool({
          description: 'Record requests refused by a quota in the audit log.',
        }),
        enable_rate_limit_response_headers: f.bool({
          description: 'Send Retry-After and X-Ratelimit-* headers with answers a quota covers.',
        }),
      },
      help: 'The paths exempt from rate-limit quotas, and whether refusals are audited and headers sent.',
      operations: {
        read: async () => ({ data: { ...services.quotas.config } }),
        update: async ({ input }) => {
          const current = services.quotas.config
          // Fields left out keep their value, as in Vault.
          const next: QuotaConfig = {
            rate_limit_exempt_paths:
              input.rate_limit_exempt_paths?.map(normaliseExemptPath).filter((p) => p !== '') ??
              current.rate_limit_exempt_paths,
            enable_rate_limit_audit_logging:
              input.enable_rate_limit_audit_logging ?? current.enable_rate_limit_audit_logging,
            enable_rate_limit_response_headers:
              input.enable_rate_limit_response_headers ?? current.enable_rate_limit_response_headers,
          }
          await services.quotas.setConfig(next)
          return undefined
        },
      },
    }),
  ]
}
