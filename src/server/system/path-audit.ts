// sys/audit (list, enable, disable), sys/audit-hash and the audit checkpoint public key.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f, parseStringMap } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type AuditPathServices = Pick<SystemServices, 'audit' | 'logger'>

export function auditPaths(services: AuditPathServices) {
  return [
    definePath({ pattern: 'audit', operations: { read: () => ({ data: services.audit.list() }) } }),
    definePath({
      pattern: 'audit/*path',
      fields: { type: f.string(), description: f.string(), options: f.any(), local: f.bool() },
      operations: {
        update: async ({ params, input }) => {
          if (!input.type) throw new InvalidRequestError('missing required field "type"')
          const options =
            input.options === undefined || input.options === null
              ? {}
              : parseStringMap(input.options, 'options')
          await services.audit.enable(
            params['path']!,
            input.type,
            input.description ?? '',
            options,
            input.local ?? false,
          )
          services.logger.log('info', 'audit device enabled', { path: params['path'], type: input.type })
          return undefined
        },
        delete: async ({ params }) => {
          await services.audit.disable(params['path']!)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'audit-hash/*path',
      fields: { input: f.string({ sensitive: true }) },
      operations: {
        update: ({ params, input }) => {
          // Vault (handleAuditHash) refuses a missing and an empty input alike, in these words.
          if (!input.input) throw new InvalidRequestError('the "input" parameter is empty')
          return { data: { hash: services.audit.hash(params['path']!, input.input) } }
        },
      },
    }),
    definePath({
      pattern: 'audit-signing-key',
      operations: {
        read: () => ({ data: { public_key: services.audit.publicKeyPem, algorithm: 'ed25519' } }),
      },
    }),
  ]
}
