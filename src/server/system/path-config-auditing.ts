// sys/config/auditing/request-headers: which request headers audit entries record, and whether their values are HMAC'd.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type AuditingPathServices = Pick<SystemServices, 'auditedHeaders'>

/** Every operation needs sudo, as in Vault (config/auditing/* is among its root paths). */
export const AUDITING_ROOT_PATHS = ['config/auditing/*']

export function auditingPaths(services: AuditingPathServices) {
  const headers = services.auditedHeaders
  return [
    definePath({
      pattern: 'config/auditing/request-headers',
      help: 'The request headers audit entries record: lower-cased name → { hmac }.',
      operations: {
        read: () => ({ data: { headers: headers.all() } }),
      },
    }),
    definePath({
      pattern: 'config/auditing/request-headers/*header',
      fields: {
        hmac: f.bool({
          description: "Record the header's values HMAC'd with each device's salt (default false).",
        }),
      },
      help: 'One audited request header. Names are case-insensitive and stored lower-cased.',
      operations: {
        read: ({ params }) => {
          const name = params['header'] ?? ''
          const settings = headers.get(name)
          // Vault answers a header it does not audit with this error response: a 400, not a 404.
          if (settings === undefined) throw new InvalidRequestError('Could not find header in config')
          // Keyed by the name as the caller wrote it, as Vault does; on an object without a prototype, so a name
          // such as __proto__ is an ordinary key.
          const data = Object.create(null) as Record<string, unknown>
          data[name] = { hmac: settings.hmac }
          return { data }
        },
        update: async ({ params, input }) => {
          await headers.add(params['header'] ?? '', input.hmac ?? false)
          return undefined
        },
        delete: async ({ params }) => {
          await headers.remove(params['header'] ?? '')
          return undefined
        },
      },
    }),
  ]
}
