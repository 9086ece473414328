// An AWS call whose body is over the listener's limit, refused in the protocol the call speaks instead of Vault's.
import type { IncomingHttpHeaders } from 'node:http'
import { uuid } from '../../../lib/random.ts'
import { AwsError } from '../../../sdk/aws-error.ts'
import { AWS_TARGET_HEADER } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { HttpResult } from '../http-types.ts'
import { awsJsonService } from './aws-json.ts'
import { queryErrorResult } from './query-render.ts'
import { awsErrorResult } from './render.ts'

/**
 * Lambda's name for the same refusal (RequestEntityTooLargeException, HTTP 413): AWS SDKs read the type from the
 * body, so a client sees a typed, non-retried client error rather than an unparsed Vault `{"errors": [...]}`.
 */
const TOO_LARGE = 'RequestEntityTooLargeException'

/** The refusal for an AWS call (JSON or Query protocol, told apart from the request head alone); undefined otherwise. */
export function awsTooLargeResult(
  head: { method: string; url: string; headers: IncomingHttpHeaders },
  message: string,
): HttpResult | undefined {
  if (head.method !== 'POST' || !/^\/(\?|$)/.test(head.url)) return undefined
  const error = new AwsError(TOO_LARGE, message, 413)
  const target = head.headers[AWS_TARGET_HEADER]
  if (typeof target === 'string') return awsErrorResult(uuid(), error, awsJsonService(target))
  const contentType = String(head.headers['content-type'] ?? '').toLowerCase()
  if (contentType.startsWith('application/x-www-form-urlencoded') || /[?&]Action=/.test(head.url))
    return queryErrorResult(uuid(), error)
  return undefined
}
