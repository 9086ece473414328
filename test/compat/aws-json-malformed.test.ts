// Bodies no SDK would send (an object or array where the model has a string), signed as an SDK signs: each is a 400
// the caller can read, never an internal error, on every SSM action that names a parameter.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { signedJsonCall } from '../helpers/aws-signers.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** JSON that converts to no string: `String()` of it throws, as its toString and valueOf are not functions. */
const UNCONVERTIBLE = '{"toString":1,"valueOf":1}'

describe('AWS JSON face: members of the wrong JSON type', () => {
  let t: TestServer
  let key = { id: '', secret: '' }
  const call = (service: 'secretsmanager' | 'ssm' | 'kms', action: string, body: string) =>
    signedJsonCall({
      address: t.address,
      service,
      action,
      body,
      accessKeyId: key.id,
      secretAccessKey: key.secret,
    })

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/ssm-all', {
      policy: 'path "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    key = await accessKeyFor(t, 'malformed', 'ssm-all')
    assert.equal(
      (await call('ssm', 'PutParameter', '{"Name":"/p/a","Value":"v","Type":"String"}')).status,
      200,
    )
  })
  after(() => t?.close())

  it('a body nesting past max_json_depth is SerializationException before it is parsed, as the Vault API refuses it', async () => {
    const deep = `{"Name":"/p/deep","Value":"v","Type":"String","Tags":${'['.repeat(600)}${']'.repeat(600)}}`
    const answer = await call('ssm', 'PutParameter', deep)
    assert.deepEqual(
      { status: answer.status, type: answer.body['__type'], message: answer.body['message'] },
      {
        status: 400,
        type: 'SerializationException',
        message: 'The request body nests deeper than 500 levels',
      },
    )
    const missing = await call('ssm', 'GetParameter', '{"Name":"/p/deep"}')
    assert.equal(missing.body['__type'], 'ParameterNotFound')
  })

  it('a lone surrogate escape in a string is stored as U+FFFD, as the Vault API stores it', async () => {
    const put = await call(
      'ssm',
      'PutParameter',
      '{"Name":"/p/surrogate","Value":"a\\ud800b","Type":"String"}',
    )
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const got = await call('ssm', 'GetParameter', '{"Name":"/p/surrogate"}')
    assert.equal((got.body['Parameter'] as { Value: string }).Value, 'a\ufffdb')
  })

  it('an unconvertible object or array as a Name, Path or ResourceId is ValidationException, never a 500', async () => {
    const resource = '"ResourceType":"Parameter"'
    for (const value of [UNCONVERTIBLE, `[${UNCONVERTIBLE}]`]) {
      for (const [action, body] of [
        ['GetParameter', `{"Name":${value}}`],
        ['PutParameter', `{"Name":${value},"Value":"v","Type":"String"}`],
        ['DeleteParameter', `{"Name":${value}}`],
        ['GetParameterHistory', `{"Name":${value}}`],
        ['GetParametersByPath', `{"Path":${value}}`],
        ['LabelParameterVersion', `{"Name":${value},"Labels":["l"]}`],
        ['UnlabelParameterVersion', `{"Name":${value},"ParameterVersion":1,"Labels":["l"]}`],
        ['AddTagsToResource', `{${resource},"ResourceId":${value},"Tags":[{"Key":"k","Value":"v"}]}`],
        ['RemoveTagsFromResource', `{${resource},"ResourceId":${value},"TagKeys":["k"]}`],
        ['ListTagsForResource', `{${resource},"ResourceId":${value}}`],
      ] as const) {
        const answer = await call('ssm', action, body)
        assert.deepEqual(
          { status: answer.status, type: answer.body['__type'] },
          { status: 400, type: 'ValidationException' },
          `${action} ${body}`,
        )
      }
    }
    // Nothing was tagged or written by the refused calls.
    const tags = await call('ssm', 'ListTagsForResource', `{${resource},"ResourceId":"/p/a"}`)
    assert.deepEqual(tags.body, { TagList: [] })
  })
})
