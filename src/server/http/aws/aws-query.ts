// The AWS Query front door (STS): POST / with a form body naming the Action, answered in XML.
import { uuid } from '../../../lib/random.ts'
import { AwsError } from '../../../sdk/aws-error.ts'
import type { RequestCore } from '../../core/handle-request.ts'
import type { HttpRequest, HttpResult } from '../http-types.ts'
import { header } from '../parse-request.ts'
import { queryErrorResult } from './query-render.ts'
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  authMount,
  getCallerIdentity,
  getSessionToken,
} from './sts.ts'
import { throttle } from './throttle.ts'

const FORM = 'application/x-www-form-urlencoded'

/**
 * An AWS Query call to the root path (the Vault API lives under /v1/): any form POST (one naming no Action gets the
 * Query protocol's MissingAction, as at AWS, not the Vault API's bare 404), or a GET or POST whose query string
 * names an Action (a presigned URL, such as generate_presigned_url's GetCallerIdentity).
 */
export function isAwsQueryRequest(req: HttpRequest): boolean {
  if (!/^\/(\?|$)/.test(req.url)) return false
  if (req.method === 'GET' || req.method === 'POST') {
    const at = req.url.indexOf('?')
    if (at !== -1 && /(^|&)Action=/.test(req.url.slice(at + 1))) return true
  }
  return req.method === 'POST' && header(req, 'content-type').toLowerCase().startsWith(FORM)
}

/** The call's parameters: the form body's, then any the query string adds (a presigned URL carries them there). */
function callParams(req: HttpRequest): URLSearchParams {
  const isForm = header(req, 'content-type').toLowerCase().startsWith(FORM)
  const params = new URLSearchParams(isForm ? req.body.toString('utf8') : '')
  const at = req.url.indexOf('?')
  if (at !== -1) {
    for (const [name, value] of new URLSearchParams(req.url.slice(at + 1)))
      if (!params.has(name)) params.append(name, value)
  }
  return params
}

export async function handleAwsQuery(core: RequestCore, req: HttpRequest): Promise<HttpResult> {
  const requestId = uuid()
  try {
    const params = callParams(req)
    const action = params.get('Action') ?? ''
    if (action === '') throw new AwsError('MissingAction', 'The request names no Action.')
    const version = params.get('Version')
    if (version !== null && version !== '2011-06-15')
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`)
    // One count per call, before any signature or token is checked, on the aws-keys mount's login path.
    throttle(core, `${authMount(core, 'aws-keys') ?? 'sts/'}login`, req.remoteAddress, 'Throttling')
    if (action === 'AssumeRoleWithWebIdentity')
      return await assumeRoleWithWebIdentity(core, req, params, requestId)
    if (action === 'AssumeRole') return await assumeRole(core, req, params, requestId)
    if (action === 'GetSessionToken') return await getSessionToken(core, req, params, requestId)
    if (action === 'GetCallerIdentity') return await getCallerIdentity(core, req, requestId)
    throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`)
  } catch (error) {
    return queryErrorResult(requestId, error)
  }
}
