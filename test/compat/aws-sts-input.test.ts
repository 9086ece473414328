// STS members Coffer cannot honour, through the AWS SDK for JavaScript: an MFA code it cannot verify and a session
// policy it cannot evaluate are refused, never ignored into a session the caller did not ask for.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** The error's code, HTTP status and message, or 'no error'. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return `${e.name} ${e.$metadata?.httpStatusCode} ${e.message}`
  }
  return 'no error'
}

describe('STS input members through the AWS SDK for JavaScript', () => {
  let t: TestServer
  let sts: STSClient
  const roleArn = 'arn:aws:iam::000000000000:role/reader'

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/assume-reader', {
      policy: 'path "auth/aws-keys/role/reader/session" { capabilities = ["update"] }',
    })
    await accessKeyFor(t, 'reader', 'default')
    const key = await accessKeyFor(t, 'deployer', 'assume-reader')
    sts = new STSClient({
      endpoint: t.address,
      region: 'eu-west-1',
      credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
      maxAttempts: 1,
    })
  })
  after(() => t?.close())

  it('GetSessionToken and AssumeRole with an MFA code are AccessDenied; a malformed one is ValidationError', async () => {
    const mfa = { SerialNumber: 'arn:aws:iam::000000000000:mfa/dev', TokenCode: '123456' }
    const denied = /^AccessDenied 403 MultiFactorAuthentication failed/
    assert.match(await refusal(sts.send(new GetSessionTokenCommand(mfa))), denied)
    assert.match(
      await refusal(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci', ...mfa }))),
      denied,
    )
    for (const bad of [
      { ...mfa, TokenCode: '12345' },
      { ...mfa, TokenCode: 'abcdef' },
      { ...mfa, SerialNumber: 'short' },
    ])
      assert.match(await refusal(sts.send(new GetSessionTokenCommand(bad))), /^ValidationError 400 /)
    // Without MFA members both succeed, so the refusals above are the MFA members' alone.
    assert.ok((await sts.send(new GetSessionTokenCommand({}))).Credentials?.SessionToken)
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci' }))
    assert.ok(assumed.Credentials?.SessionToken)
  })

  it('a RoleSessionName of the wrong length is refused for its length, not its characters', async () => {
    for (const RoleSessionName of ['s', 'x'.repeat(65)])
      assert.match(
        await refusal(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName }))),
        /^ValidationError 400 .*roleSessionName.*Member must have length between 2 and 64/,
      )
    assert.match(
      await refusal(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'a b' }))),
      /^ValidationError 400 .*roleSessionName.*regular expression pattern/,
    )
  })

  it('AssumeRole and AssumeRoleWithWebIdentity with a session policy are refused, not issued with the full role', async () => {
    const narrowing = [
      { Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}' },
      { PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] },
    ]
    for (const policy of narrowing) {
      assert.match(
        await refusal(
          sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci', ...policy })),
        ),
        /^ValidationError 400 Session policies/,
      )
      // Unsigned: refused for the policy before the token is looked at.
      assert.match(
        await refusal(
          sts.send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: roleArn,
              RoleSessionName: 'ci',
              WebIdentityToken: 'not.a.token',
              ...policy,
            }),
          ),
        ),
        /^ValidationError 400 Session policies/,
      )
    }
  })
})
