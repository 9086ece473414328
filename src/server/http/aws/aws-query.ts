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

/** An AWS Query call: a form POST to the root path whose body names an Action (the Vault API lives under /v1/). */
export function isAwsQueryRequest(req: HttpRequest): boolean {
  return (
    req.method === 'POST' &&
    /^\/(\?|$)/.test(req.url) &&
    header(req, 'content-type').toLowerCase().startsWith(FORM) &&
    /(^|&)Action=/.test(req.body.toString('latin1', 0, Math.min(req.body.length, 4096)))
  )
}

export async function handleAwsQuery(core: RequestCore, req: HttpRequest): Promise<HttpResult> {
  const requestId = uuid()
  try {
    const params = new URLSearchParams(req.body.toString('utf8'))
    const action = params.get('Action') ?? ''
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
