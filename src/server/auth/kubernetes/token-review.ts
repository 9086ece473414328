// Asks the cluster's TokenReview API (authentication.k8s.io/v1) whether a service account token is still valid.
import { httpCall } from '../../../lib/http-json.ts'
import { UpstreamError } from '../../../sdk/errors.ts'

export interface ReviewResult {
  authenticated: boolean
  /** Why the review refused the token (for the operational log only). */
  reason: string
  namespace: string
  name: string
  uid: string
}

export interface ReviewRequest {
  host: string
  ca: string
  /** The bearer for the call: the reviewer JWT, or the client's own token when none is configured. */
  bearer: string
  token: string
  audiences: string[]
}

export async function reviewToken(req: ReviewRequest): Promise<ReviewResult> {
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: req.token, ...(req.audiences.length > 0 ? { audiences: req.audiences } : {}) },
  })
  const reply = await httpCall({
    url: `${req.host}/apis/authentication.k8s.io/v1/tokenreviews`,
    method: 'POST',
    headers: { authorization: `Bearer ${req.bearer}`, 'content-type': 'application/json' },
    body,
    ...(req.ca ? { ca: req.ca } : {}),
  }).catch((error: Error) => {
    throw new UpstreamError(`error calling the TokenReview API: ${error.message}`)
  })
  const refused = (reason: string): ReviewResult => ({
    authenticated: false,
    reason,
    namespace: '',
    name: '',
    uid: '',
  })
  // 401/403: the bearer may not review tokens (or, without a reviewer JWT, the client's token is not valid).
  if (reply.status === 401 || reply.status === 403) return refused(`TokenReview API answered ${reply.status}`)
  if (reply.status < 200 || reply.status > 299)
    throw new UpstreamError(`the TokenReview API answered ${reply.status}`)
  let review: {
    status?: {
      authenticated?: boolean
      error?: string
      audiences?: unknown
      user?: { username?: string; uid?: string }
    }
  }
  try {
    review = JSON.parse(reply.text)
  } catch {
    throw new UpstreamError('the TokenReview API did not answer JSON')
  }
  const status = review.status ?? {}
  if (status.error) return refused(`lookup failed: ${status.error}`)
  if (status.authenticated !== true)
    return refused(
      'lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token',
    )
  // As Vault: when audiences were asked for, the answer must name one of them, or the reviewer is not
  // audience-aware and a token minted for another audience would pass.
  if (req.audiences.length > 0) {
    const granted = Array.isArray(status.audiences)
      ? status.audiences.filter((a): a is string => typeof a === 'string')
      : []
    if (!req.audiences.some((aud) => granted.includes(aud)))
      return refused(
        `lookup failed: service account jwt valid for audience(s) [${granted.join(' ')}], but wanted [${req.audiences.join(' ')}]`,
      )
  }
  // The username of a service account is "system:serviceaccount:<namespace>:<name>".
  const parts = (status.user?.username ?? '').split(':')
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount')
    return refused('lookup failed: unexpected username format')
  return {
    authenticated: true,
    reason: '',
    namespace: parts[2]!,
    name: parts[3]!,
    uid: status.user?.uid ?? '',
  }
}
