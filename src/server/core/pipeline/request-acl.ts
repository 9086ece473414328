// The ACL each authorised request was let in with, kept by its backend request so core's services can check more paths for it.
import type { BackendRequest } from '../../../sdk/request.ts'
import type { Acl } from '../../policy/acl.ts'

/** Weak: an entry lives exactly as long as the request object the backend holds. */
const acls = new WeakMap<BackendRequest, Acl>()

export function rememberAcl(request: BackendRequest, acl: Acl): void {
  acls.set(request, acl)
}

/** The ACL `request` was authorised with; undefined for unauthenticated paths and requests core did not authorise. */
export function aclOf(request: object): Acl | undefined {
  return acls.get(request as BackendRequest)
}
