// AWS JSON error answers: a server fault is named as each service's model names it, so SDKs classify and retry it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AppError } from '../../../sdk/errors.ts'
import { awsErrorResult, fromCofferError } from './render.ts'

const answer = (status: number, body: unknown) => ({
  status,
  type: (JSON.parse(String(body)) as { __type: string }).__type,
})

describe('AWS JSON error rendering', () => {
  it("an unexpected fault is the service's own internal error, with status 500 and no detail", () => {
    const fault = new TypeError('Cannot convert object to primitive value')
    for (const [service, type] of [
      ['secretsmanager', 'InternalServiceError'],
      ['ssm', 'InternalServerError'],
      ['kms', 'KMSInternalException'],
    ] as const) {
      const result = awsErrorResult('request-1', fault, service)
      assert.deepEqual(answer(result.status, result.body), { status: 500, type })
      assert.doesNotMatch(String(result.body), /primitive/)
      assert.equal(
        fromCofferError(new AppError('internal', 502, 'upstream'), undefined, service).awsType,
        type,
      )
    }
    // Without a service, as before: Secrets Manager's name.
    const plain = awsErrorResult('request-2', fault)
    assert.deepEqual(answer(plain.status, plain.body), { status: 500, type: 'InternalServiceError' })
  })
})
