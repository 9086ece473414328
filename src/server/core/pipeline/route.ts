// Pipeline stage "route": longest-prefix mount match, refusal of tainted mounts, and the request the backend gets.
import { NotFoundError } from '../../../sdk/errors.ts'
import type { CoreBackendRequest, LogicalRequest } from '../logical-request.ts'
import type { RouteMatch } from '../router.ts'
import type { UnsealedServices } from '../services.ts'

export type RouteServices = Pick<UnsealedServices, 'mounts'>

/** A request matched to its mount: the full path, the route and the request its backend will be handed. */
export interface Routed {
  /** The request path; a LIST's ends with a slash. */
  path: string
  route: RouteMatch
  /** The backend declares this path unauthenticated (a login): no token is needed. */
  unauthenticated: boolean
  backendRequest: CoreBackendRequest
}

/** A request for a mount that is being disabled or moved, answered as Vault answers a tainted route. */
export function taintedRoute(path: string): NotFoundError {
  return new NotFoundError(`no handler for route "${path}". route entry is tainted.`)
}

export function routeRequest(services: RouteServices, req: LogicalRequest): Routed {
  let path = req.path
  if (req.operation === 'list' && !path.endsWith('/')) path += '/'
  const route = services.mounts.router.match(path)
  if (!route) throw new NotFoundError(`no handler for route "${path}". route entry not found.`)
  const { backend, entry, relativePath } = route
  if (services.mounts.isTainted(entry)) throw taintedRoute(path)
  const unauthenticated = backend.isSpecial('unauthenticated', relativePath)
  const backendRequest: CoreBackendRequest = {
    id: req.id,
    operation: req.operation,
    path: relativePath,
    mountPath: entry.path,
    data: req.data,
    headers: req.headers,
    contentType: req.contentType,
    remoteAddress: req.remoteAddress,
    connection: req.connection,
    caller: undefined,
  }
  // Only core's own sys/ backend is handed a raw body; an engine never sees one.
  if (req.body !== undefined && entry.type === 'system') backendRequest.rawBody = req.body
  return { path, route, unauthenticated, backendRequest }
}
