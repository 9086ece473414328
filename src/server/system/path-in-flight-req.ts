// sys/in-flight-req: the requests this node is answering right now, by id (sudo: it shows who is calling what).
import { rfc3339 } from '../../lib/time.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type InFlightServices = Pick<SystemServices, 'inFlight'>

export const IN_FLIGHT_ROOT_PATHS = ['in-flight-req']

export function inFlightPaths(services: InFlightServices) {
  return [
    definePath({
      pattern: 'in-flight-req',
      help: 'The requests being answered by this node now: start time, client address, path and method.',
      operations: {
        read: async () => {
          const data: Record<string, unknown> = {}
          for (const [id, request] of services.inFlight.snapshot())
            data[id] = {
              start_time: rfc3339(request.startTime),
              client_remote_address: request.remoteAddress,
              request_path: request.path,
              request_method: request.method,
              // Vault's client id comes from its client-count tracking, which Coffer does not have.
              client_id: '',
            }
          return { data }
        },
      },
    }),
  ]
}
