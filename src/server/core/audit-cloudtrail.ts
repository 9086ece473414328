// The CloudTrail record of a request that carries an AWS action (X-Amz-Target from the AWS front door).
import { uuid } from '../../lib/random.ts'
import { internalErrorOf, isAwsError } from '../../sdk/aws-error.ts'
import { AWS_REGION_HEADER, AWS_TARGET_HEADER } from '../../sdk/aws-secretsmanager-routes.ts'
import { isAppError } from '../../sdk/errors.ts'
import { cloudTrailRecord, eventOf } from '../audit/cloudtrail.ts'
import type { CoreResponse, LogicalRequest, RequestAuth } from './logical-request.ts'

/** The AWS action a request carries, or undefined for every other request (which keeps Vault's layout). */
export function awsTarget(req: LogicalRequest): string | undefined {
  const target = req.headers[AWS_TARGET_HEADER]
  return target !== undefined && eventOf(target) ? target : undefined
}

/**
 * The record's JSON text: one per request, written in place of the Coffer response entry on format=cloudtrail
 * devices. `failure` is what the request failed with (an AWS error keeps its type; a refusal is AccessDenied).
 */
export function cloudTrailLine(
  target: string,
  req: LogicalRequest,
  auth: RequestAuth | undefined,
  now: number,
  out: CoreResponse | undefined,
  failure?: { message: string; cause?: unknown },
): string {
  // A login answering the action (STS AssumeRole, GetSessionToken) has no caller yet: who signed is in what it
  // issued; GetCallerIdentity issues nothing, and who signed is its answer.
  const identity = auth?.entry.meta ?? out?.auth?.metadata ?? callerIdentityAnswer(target, out)
  const record = cloudTrailRecord({
    target,
    region: req.headers[AWS_REGION_HEADER] ?? '',
    requestId: req.id,
    eventId: uuid(),
    time: now,
    sourceIpAddress: req.remoteAddress,
    userAgent: req.headers['user-agent'] ?? '',
    identity,
    input: req.data,
    output: out?.data ?? undefined,
    ...(failure ? { error: errorOf(target, identity?.['arn'], failure) } : {}),
  })
  return JSON.stringify(record)
}

/** The identity aws-keys `caller-identity` answered an STS GetCallerIdentity with, as string fields. */
function callerIdentityAnswer(
  target: string,
  out: CoreResponse | undefined,
): Record<string, string> | undefined {
  if (!target.endsWith('.GetCallerIdentity') || !out?.data) return undefined
  const fields: Record<string, string> = {}
  for (const [name, value] of Object.entries(out.data)) if (typeof value === 'string') fields[name] = value
  return fields
}

const TYPED_MESSAGE = /^([A-Za-z]+Exception): ([\s\S]*)$/

/** AWS's error code for a failure, as the front door renders it to the client (render.ts fromCofferError). */
function errorOf(
  target: string,
  arn: string | undefined,
  failure: { message: string; cause?: unknown },
): { code: string; message: string } {
  const { cause, message } = failure
  if (isAwsError(cause)) return { code: cause.awsType, message: cause.message }
  // The access-key login's refusals carry AWS's type in their message ("InvalidSignatureException: …").
  const typed = TYPED_MESSAGE.exec(message)
  if (typed) return { code: typed[1]!, message: typed[2]! }
  const status = isAppError(cause) ? cause.status : cause === undefined ? 403 : 500
  if (status === 403) {
    const event = eventOf(target)!
    const service = event.source.slice(0, event.source.indexOf('.'))
    return {
      code: 'AccessDeniedException',
      message: `User: ${arn ?? 'unknown'} is not authorized to perform: ${service}:${event.name}`,
    }
  }
  if (status === 404) return { code: 'ResourceNotFoundException', message }
  if (status === 429) return { code: 'ThrottlingException', message: 'Rate exceeded' }
  if (status >= 500) {
    const source = eventOf(target)?.source ?? ''
    return {
      code: internalErrorOf(source.slice(0, source.indexOf('.'))),
      message: 'An internal error occurred.',
    }
  }
  return { code: 'InvalidRequestException', message }
}
