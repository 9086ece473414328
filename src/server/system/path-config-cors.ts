// sys/config/cors: read, enable (origins and extra headers) and disable the CORS settings the HTTP layer applies.
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { corsSettings } from '../core/cors-config.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type CorsPathServices = Pick<SystemServices, 'cors'>

/** Every operation needs sudo, as in Vault: the settings decide which web pages may use a browser's token. */
export const CORS_ROOT_PATHS = ['config/cors']

export function corsPaths(services: CorsPathServices) {
  return [
    definePath({
      pattern: 'config/cors',
      fields: {
        enabled: f.bool({ description: 'false disables CORS, as DELETE does; any other write enables it.' }),
        allowed_origins: f.list({
          description:
            'The origins allowed to make cross-origin requests: "*", a comma-separated string or a list.',
        }),
        allowed_headers: f.list({
          description: 'Request headers allowed cross-origin, added to the standard ones.',
        }),
      },
      help: 'The CORS settings: which origins may make cross-origin requests, and with which headers.',
      operations: {
        read: async () => {
          const current = services.cors.current
          // As Vault: the lists are shown only while enabled.
          return {
            data: current.enabled
              ? {
                  enabled: true,
                  allowed_origins: [...current.allowedOrigins],
                  allowed_headers: [...current.allowedHeaders],
                }
              : { enabled: false },
          }
        },
        update: async ({ input }) => {
          // Vault ignores `enabled` on a write and always enables; turning CORS off with false is less surprising.
          if (input.enabled === false) await services.cors.disable()
          else
            await services.cors.enable(corsSettings(input.allowed_origins ?? [], input.allowed_headers ?? []))
          return undefined
        },
        delete: async () => {
          await services.cors.disable()
          return undefined
        },
      },
    }),
  ]
}
