// Race suite, KMS key state: Encrypt calls through the AWS front door racing DisableKey and ScheduleKeyDeletion of
// their key on a real server process; once the change has answered, no call encrypts with the key.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { BOTOCORE, botocoreKmsCall } from '../helpers/aws-signers.ts'
import { burst, type RaceReply, type RaceRequest, type RaceServer, startRaceServer } from '../helpers/race.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'

const ROUNDS = 3
const BURST = 30

describeUnless(await unmet(BOTOCORE), 'race: KMS key state against Encrypt', () => {
  let server: RaceServer
  let key: { id: string; secret: string }

  before(async () => {
    server = await startRaceServer()
    const ok = async (method: string, path: string, body: unknown) => {
      const reply = await server.call(method, path, { body })
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply
    }
    const mounts = (await server.call('GET', 'sys/mounts')).body.data
    if (!mounts['kms/']) await ok('POST', 'sys/mounts/kms', { type: 'transit' })
    const auths = (await server.call('GET', 'sys/auth')).body.data
    if (!auths['aws-keys/']) await ok('POST', 'sys/auth/aws-keys', { type: 'aws-keys' })
    await ok('PUT', 'sys/policies/acl/kms-all', {
      policy: 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    await ok('POST', 'auth/aws-keys/role/kms', { token_policies: 'kms-all' })
    const issued = await ok('POST', 'auth/aws-keys/role/kms/access-key', {})
    key = { id: issued.body.data.access_key_id, secret: issued.body.data.secret_access_key }
  })
  after(async () => {
    await server?.close()
  })

  /** A KMS call signed by botocore for this server, as raw bytes the burst can send many times. */
  async function signed(action: string, input: Record<string, unknown>): Promise<RaceRequest> {
    return botocoreKmsCall(server.address, key, action, input)
  }

  async function newKey(): Promise<string> {
    const reply = await server.call('POST', '/', await signed('CreateKey', {}))
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.KeyMetadata.KeyId
  }

  function sealedOr(refusal: string, replies: RaceReply[], round: number): void {
    for (const reply of replies)
      assert.ok(
        (reply.status === 200 && typeof reply.body.CiphertextBlob === 'string') ||
          (reply.status === 400 && reply.body.__type === refusal),
        `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
      )
  }

  for (const [change, refusal] of [
    ['DisableKey', 'DisabledException'],
    ['ScheduleKeyDeletion', 'KMSInvalidStateException'],
  ] as const)
    it(`after ${change} answers, no Encrypt with the key succeeds (${refusal})`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const keyId = await newKey()
        const encrypt = await signed('Encrypt', {
          KeyId: keyId,
          Plaintext: Buffer.from('x').toString('base64'),
        })
        const half = BURST / 2
        const replies = await burst(server.address, [
          ...Array.from({ length: half }, () => encrypt),
          await signed(change, {
            KeyId: keyId,
            ...(change === 'ScheduleKeyDeletion' ? { PendingWindowInDays: 7 } : {}),
          }),
          ...Array.from({ length: half }, () => encrypt),
        ])
        assert.equal(replies[half]!.status, 200, JSON.stringify(replies[half]!.body))
        sealedOr(refusal, [...replies.slice(0, half), ...replies.slice(half + 1)], round)
        const afterwards = await burst(
          server.address,
          Array.from({ length: 5 }, () => encrypt),
        )
        for (const reply of afterwards) assert.equal(reply.body.__type, refusal, `round ${round}`)
      }
    })
})
