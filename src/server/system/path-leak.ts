// sys/leak/fingerprints: which of the caller's SHA-256 digests are digests of values Coffer stores (Coffer-only).
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { recordLeakIncident } from '../core/compliance/leak-incidents.ts'
import type { SystemServices } from '../core/services.ts'
import { LeakIndex, type LeakIndexServices } from './leak-index.ts'

/** The services this file uses. */
export type LeakPathServices = Pick<SystemServices, 'logger' | 'metrics'> & LeakIndexServices

/** Digests per request: a scanner sends its candidates in batches of at most this many. */
export const MAX_DIGESTS = 10_000
const SHA256_HEX = /^[0-9a-f]{64}$/

function parseDigests(value: unknown): string[] {
  if (value === undefined || value === null) throw new InvalidRequestError('missing required field "digests"')
  if (!Array.isArray(value)) throw new InvalidRequestError('"digests" must be a list of SHA-256 hex digests')
  if (value.length > MAX_DIGESTS)
    throw new InvalidRequestError(`too many digests: ${value.length} (at most ${MAX_DIGESTS} per request)`)
  return value.map((item, i) => {
    if (typeof item !== 'string' || !SHA256_HEX.test(item.toLowerCase()))
      throw new InvalidRequestError(`digests[${i}] is not a SHA-256 hex digest (64 hex characters)`)
    return item.toLowerCase()
  })
}

export function leakPaths(services: LeakPathServices) {
  const index = new LeakIndex(services)
  return [
    definePath({
      pattern: 'leak/fingerprints',
      fields: { digests: f.any(), refresh: f.bool() },
      help: 'Match SHA-256 digests of candidate strings against keyed fingerprints of stored secret values.',
      operations: {
        update: async ({ input, request }) => {
          const digests = parseDigests(input.digests)
          const found = await index.lookup(digests, input.refresh ?? false)
          const matches = found.map(({ digest, ref }) => ({ digest, ...ref }))
          services.metrics.leakChecks++
          // The audit log HMACs the paths in the response like any response string; the operational log
          // names them in clear (a path is not a secret) so a leak finding is visible without a search.
          if (matches.length > 0) {
            services.metrics.leakIncidents++
            services.metrics.leakMatchedSecrets += new Set(matches.map((m) => `${m.path}#${m.field}`)).size
            services.logger.log('warn', 'leak fingerprint check matched stored secrets', {
              request_id: request.id,
              matches: matches.map(
                (m) => `${m.path}#${m.field}${m.version !== undefined ? ` v${m.version}` : ''}`,
              ),
            })
            // Kept as an incident for the compliance report, which sets it against the secret's later rotation.
            await recordLeakIncident(services.barrier, {
              time: services.clock.now(),
              requested_by: {
                display_name: request.caller?.displayName ?? '',
                entity_id: request.caller?.entityId ?? '',
              },
              request_id: request.id,
              matches: found.map(({ ref }) => ({ ...ref })),
            })
          }
          return { data: { matches } }
        },
      },
    }),
  ]
}
