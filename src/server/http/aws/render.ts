// AWS JSON answers: the body and headers AWS SDKs parse, and Coffer's errors as the `__type` they classify.
import { AwsError, internalErrorOf } from '../../../sdk/aws-error.ts'
import { isAppError } from '../../../sdk/errors.ts'
import { isSharedAnswer } from '../../../sdk/shared-answer.ts'
import type { HttpResult } from '../http-types.ts'

const CONTENT_TYPE = 'application/x-amz-json-1.1'

export function awsResult(requestId: string, output: Record<string, unknown>): HttpResult {
  return {
    status: 200,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, 'cache-control': 'no-store' },
    // A string body goes out in one write with the headers (a Buffer takes a second, writev).
    body: encoded(output),
  }
}

/** The JSON text of answers an engine shares (deeply frozen: their text cannot change), by answer. */
const texts = new WeakMap<object, string>()

function encoded(output: Record<string, unknown>): string {
  if (!isSharedAnswer(output)) return JSON.stringify(output)
  let text = texts.get(output)
  if (text === undefined) {
    text = JSON.stringify(output)
    texts.set(output, text)
  }
  return text
}

export function awsErrorResult(requestId: string, error: unknown, service = 'secretsmanager'): HttpResult {
  const aws = error instanceof AwsError ? error : fromCofferError(error, undefined, service)
  return {
    status: aws.status,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': aws.awsType,
      'cache-control': 'no-store',
    },
    body: Buffer.from(JSON.stringify({ __type: aws.awsType, message: aws.message })),
  }
}

/** A refusal of the access-key login carries AWS's type in its message: "InvalidSignatureException: …". */
const TYPED_MESSAGE = /^([A-Za-z]+(?:Exception)?): ([\s\S]*)$/

/** The AWS error a client should see for a Coffer error; an unknown fault is the service's internal error (retried). */
export function fromCofferError(
  error: unknown,
  context?: { action: string; resource: string; service?: string },
  service = context?.service ?? 'secretsmanager',
): AwsError {
  if (error instanceof AwsError) return error
  const internal = () => new AwsError(internalErrorOf(service), 'An internal error occurred.', 500)
  if (!isAppError(error)) return internal()
  if (error.status === 403) {
    const typed = TYPED_MESSAGE.exec(error.message)
    if (typed && typed[1] !== 'permission denied') return new AwsError(typed[1]!, typed[2]!, 400)
    const what = context
      ? ` to perform: ${context.service ?? 'secretsmanager'}:${context.action} on resource: ${context.resource}`
      : ''
    return new AwsError('AccessDeniedException', `User is not authorized${what}`, 400)
  }
  if (error.status === 503)
    return new AwsError('ServiceUnavailable', error.message || 'Service unavailable', 503)
  if (error.status === 404)
    return new AwsError('ResourceNotFoundException', error.message || 'Not found.', 400)
  if (error.status === 429) return new AwsError('ThrottlingException', 'Rate exceeded', 400)
  if (error.status >= 500) return internal()
  return new AwsError('InvalidRequestException', error.message, 400)
}
