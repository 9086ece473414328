// Tests for AWS JSON error rendering: each service's own internal-error name, and Coffer errors as AWS types.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AwsError } from '../../../sdk/aws-error.ts'
import { AppError, InvalidRequestError, NotFoundError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { awsErrorResult, fromCofferError } from './render.ts'

const bodyOf = (result: { body: string | Uint8Array }) =>
  JSON.parse(Buffer.from(result.body).toString('utf8'))

describe('AWS JSON errors', () => {
  it("names a fault on Coffer's side as each service does, with a 500 and nothing of the cause", () => {
    for (const [service, type] of [
      ['secretsmanager', 'InternalServiceError'],
      ['ssm', 'InternalServerError'],
      ['kms', 'KMSInternalException'],
    ] as const) {
      const result = awsErrorResult('req-1', new Error('cannot reach postgres://u:p@h'), service)
      assert.equal(result.status, 500, service)
      assert.equal(result.headers['x-amzn-errortype'], type)
      assert.deepEqual(bodyOf(result), { __type: type, message: 'An internal error occurred.' })
      assert.equal(fromCofferError(new Error('x'), { service }).awsType, type)
      // A Coffer 5xx (an upstream failure) is the same fault to an AWS client.
      const upstream = fromCofferError(new AppError('upstream', 502, 'bad gateway'), { service })
      assert.deepEqual([upstream.awsType, upstream.status], [type, 500])
    }
  })

  it('logs the cause of a fault for the operator, with the request id, and never sends it to the client', () => {
    const lines: { message: string; context?: Record<string, unknown> }[] = []
    const logger = {
      log: (_level: string, message: string, context?: Record<string, unknown>) =>
        lines.push({ message, context }),
      child: () => logger,
    }
    const fault = new Error('storage worker crashed at offset 42')
    const result = awsErrorResult(
      'req-9',
      fromCofferError(fault, { service: 'kms', action: 'Encrypt' }),
      'kms',
      logger,
    )
    assert.ok(!Buffer.from(result.body).toString('utf8').includes('offset 42'))
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.context?.['request_id'], 'req-9')
    assert.match(String(lines[0]!.context?.['error']), /storage worker crashed at offset 42/)
    // A client error is the client's business: nothing is logged.
    awsErrorResult('req-10', new AwsError('ParameterNotFound', 'Parameter /a not found.'), 'ssm', logger)
    assert.equal(lines.length, 1)
  })

  it('defaults to Secrets Manager, and keeps an AWS error thrown by an engine as it is', () => {
    assert.equal(fromCofferError(new Error('x')).awsType, 'InternalServiceError')
    const own = new AwsError('ParameterNotFound', 'Parameter /a not found.')
    assert.equal(fromCofferError(own, { service: 'ssm' }), own)
    assert.deepEqual(bodyOf(awsErrorResult('r', own, 'ssm')), {
      __type: 'ParameterNotFound',
      message: 'Parameter /a not found.',
    })
  })

  it("words a denial with the service's own action prefix", () => {
    const denied = fromCofferError(new PermissionDeniedError(), {
      service: 'kms',
      action: 'Encrypt',
      resource: 'alias/app',
    })
    assert.equal(denied.awsType, 'AccessDeniedException')
    assert.equal(denied.message, 'User is not authorized to perform: kms:Encrypt on resource: alias/app')
    assert.equal(fromCofferError(new NotFoundError()).awsType, 'ResourceNotFoundException')
  })

  it("names a client error each service's way: InvalidRequestException only where the service models it", () => {
    const bad = new InvalidRequestError('invalid value for "bits": expected an integer')
    assert.equal(fromCofferError(bad).awsType, 'InvalidRequestException')
    for (const service of ['ssm', 'kms'] as const) {
      const mapped = fromCofferError(bad, { service })
      assert.deepEqual(
        [mapped.awsType, mapped.status, mapped.message],
        ['ValidationException', 400, bad.message],
      )
    }
  })
})
