// Pipeline stage "wrap": with X-Vault-Wrap-TTL the answer is replaced by a single-use token holding it.
import type { CoreResponse, LogicalRequest } from '../logical-request.ts'
import { type WrappingServices, wrapResponse } from '../wrapping.ts'

export async function wrapIfAsked(
  services: WrappingServices,
  req: LogicalRequest,
  path: string,
  out: CoreResponse | undefined,
): Promise<CoreResponse | undefined> {
  // A wrapped response is replaced by a single-use token holding it; only the token is returned (and audited).
  if (req.wrapTtl && out && !out.wrapInfo && !out.raw && !answersNothing(out))
    return wrapResponse(services, out, {
      ttl: req.wrapTtl,
      creationPath: path.replace(/\/$/, ''),
      requestId: req.id,
    })
  return out
}

/** An answer sent as a bare 204 (a KV v1 write): Vault's nil response, which it does not wrap. */
function answersNothing(out: CoreResponse): boolean {
  return (
    out.status === undefined &&
    out.data == null &&
    out.auth === undefined &&
    out.lease === undefined &&
    (out.warnings?.length ?? 0) === 0
  )
}
