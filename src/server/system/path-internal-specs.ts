// sys/internal/specs/openapi: the OpenAPI document of the mounts the caller can reach, generated from declarations.
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'
import { mountsDocument } from './openapi/mounts-document.ts'
import { canSee, type InternalUiServices } from './path-internal-ui.ts'

/** The services this file uses. */
export type InternalSpecsServices = Pick<SystemServices, 'mounts'> & InternalUiServices

/**
 * Unauthenticated, as in Vault: without a token only mounts tuned `listing_visibility=unauth` appear; with one,
 * the mounts sys/internal/ui/mounts shows it. The body is the bare document, not Vault's usual envelope.
 */
export const INTERNAL_SPECS_UNAUTHENTICATED_PATHS = ['internal/specs/openapi']

export function internalSpecsPaths(services: InternalSpecsServices, version: string) {
  return [
    definePath({
      pattern: 'internal/specs/openapi',
      help: 'An OpenAPI 3 document of the paths of every mount the caller can see.',
      fields: {
        generic_mount_paths: f.bool({
          description:
            'Replace each mount path (other than the built-in ones) with a {<mount>_mount_path} parameter.',
          default: false,
        }),
      },
      operations: {
        read: async ({ input, request }) => {
          const mounts = []
          for (const entry of services.mounts.entries) {
            const visible =
              entry.config.listingVisibility === 'unauth' || (await canSee(services, request.caller, entry))
            const mounted = services.mounts.router.get(entry.path)
            if (visible && mounted && !services.mounts.isTainted(entry)) mounts.push(mounted)
          }
          const doc = mountsDocument(mounts, { version, genericMountPaths: input.generic_mount_paths })
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(doc) } }
        },
      },
    }),
  ]
}
