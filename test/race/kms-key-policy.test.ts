// Race suite, KMS key policy: Decrypt calls and alias updates through the AWS front door racing a PutKeyPolicy that
// denies their caller, on a real server process; once PutKeyPolicy has answered, none sent afterwards succeeds and
// none checked before it lands after it.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { BOTOCORE, botocoreKmsCall } from '../helpers/aws-signers.ts'
import { burst, type RaceReply, type RaceRequest, type RaceServer, startRaceServer } from '../helpers/race.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'

const ROUNDS = 3
const BURST = 20
/** How long the UpdateAlias race waits after its first burst before sending the Deny. */
const PAUSE_MS = 25

type Key = { id: string; secret: string }

/** The account-wide grant every key policy here keeps, so the admin can always change the policy back. */
function rootAllows(account: string) {
  return {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  }
}

/** The account grant plus an explicit Deny of `action` to the app's user. */
function denyingApp(account: string, action: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      rootAllows(account),
      {
        Effect: 'Deny',
        Principal: { AWS: `arn:aws:iam::${account}:user/app` },
        Action: action,
        Resource: '*',
      },
    ],
  })
}

describeUnless(await unmet(BOTOCORE), 'race: KMS PutKeyPolicy against Decrypt and UpdateAlias', () => {
  let server: RaceServer
  let admin: Key
  let app: Key

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
    const keyFor = async (role: string): Promise<Key> => {
      await ok('POST', `auth/aws-keys/role/${role}`, { token_policies: 'kms-all' })
      const issued = await ok('POST', `auth/aws-keys/role/${role}/access-key`, {})
      return { id: issued.body.data.access_key_id, secret: issued.body.data.secret_access_key }
    }
    admin = await keyFor('admin')
    app = await keyFor('app')
  })
  after(async () => {
    await server?.close()
  })

  /** A KMS call signed by botocore for this server, as raw bytes the burst can send many times. */
  async function signed(key: Key, action: string, input: Record<string, unknown>): Promise<RaceRequest> {
    return botocoreKmsCall(server.address, key, action, input)
  }

  async function call(key: Key, action: string, input: Record<string, unknown>): Promise<RaceReply> {
    const reply = await server.call('POST', '/', await signed(key, action, input))
    assert.equal(reply.status, 200, `${action}: ${JSON.stringify(reply.body)}`)
    return reply
  }

  const denied = (reply: RaceReply) =>
    reply.status === 400 &&
    reply.body.__type === 'AccessDeniedException' &&
    /user\/app is not authorized to perform: kms:Decrypt .* explicit deny/.test(reply.body.message)

  it('after PutKeyPolicy with a Deny answers, every Decrypt sent afterwards is denied', async () => {
    const account =
      (await server.call('GET', 'sys/mounts')).body.data['kms/']?.options?.account_id ?? '000000000000'
    const deny = denyingApp(account, 'kms:Decrypt')
    for (let round = 0; round < ROUNDS; round++) {
      const keyId = (await call(admin, 'CreateKey', {})).body.KeyMetadata.KeyId
      const blob = (
        await call(app, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x').toString('base64') })
      ).body.CiphertextBlob
      const decrypt = await signed(app, 'Decrypt', { CiphertextBlob: blob })
      const put = await signed(admin, 'PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: deny })
      const decrypts = (n: number) => Array.from({ length: n }, () => decrypt)
      // Decrypts in flight on both sides of the PutKeyPolicy, all written before any answer is read.
      const racing = burst(server.address, [...decrypts(BURST / 2), put, ...decrypts(BURST / 2)])
      // Meanwhile more Decrypts in their own burst, started while the first is under way.
      const overlapping = burst(server.address, decrypts(BURST))
      const replies = await racing
      const putReply = replies[BURST / 2]!
      assert.equal(putReply.status, 200, JSON.stringify(putReply.body))
      // Every Decrypt sent after PutKeyPolicy answered is denied.
      const afterwards = await burst(server.address, decrypts(BURST))
      for (const reply of afterwards)
        assert.ok(denied(reply), `round ${round}: ${JSON.stringify(reply.body)}`)
      // Those racing it either decrypted or were denied: nothing else (no 500, no half-applied policy).
      for (const reply of [
        ...replies.slice(0, BURST / 2),
        ...replies.slice(BURST / 2 + 1),
        ...(await overlapping),
      ])
        assert.ok(
          (reply.status === 200 && reply.body.Plaintext === Buffer.from('x').toString('base64')) ||
            denied(reply),
          `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
        )
      // The admin, whom the policy still allows through the account, may lift the Deny again.
      await call(admin, 'PutKeyPolicy', {
        KeyId: keyId,
        PolicyName: 'default',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootAllows(account)] }),
      })
      assert.equal((await call(app, 'Decrypt', { CiphertextBlob: blob })).body.Plaintext, 'eA==')
    }
  })

  it('a PutKeyPolicy racing the one that denies its caller never lands after it', async () => {
    const account = '000000000000'
    const root = rootAllows(account)
    const denyApp = denyingApp(account, 'kms:*')
    const byApp = JSON.stringify({ Version: '2012-10-17', Id: 'by-app', Statement: [root] })
    for (let round = 0; round < ROUNDS; round++) {
      const keyId = (await call(admin, 'CreateKey', {})).body.KeyMetadata.KeyId
      const appPut = await signed(app, 'PutKeyPolicy', {
        KeyId: keyId,
        PolicyName: 'default',
        Policy: byApp,
      })
      const adminPut = await signed(admin, 'PutKeyPolicy', {
        KeyId: keyId,
        PolicyName: 'default',
        Policy: denyApp,
      })
      const puts = (n: number) => Array.from({ length: n }, () => appPut)
      const replies = await burst(server.address, [...puts(BURST / 2), adminPut, ...puts(BURST / 2)])
      assert.equal(replies[BURST / 2]!.status, 200, JSON.stringify(replies[BURST / 2]!.body))
      for (const reply of [...replies.slice(0, BURST / 2), ...replies.slice(BURST / 2 + 1)])
        assert.ok(
          reply.status === 200 || (reply.status === 400 && reply.body.__type === 'AccessDeniedException'),
          `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
        )
      // Whatever the interleaving, the admin's document is the last one written: an app put either landed
      // before it or was refused by it.
      const got = await call(admin, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })
      assert.equal(got.body.Policy, denyApp, `round ${round}`)
    }
  })

  it('an UpdateAlias racing a PutKeyPolicy that denies it on the new target never lands after the deny', async () => {
    const denyApp = denyingApp('000000000000', 'kms:UpdateAlias')
    const refused = (reply: RaceReply) =>
      reply.status === 400 &&
      reply.body.__type === 'AccessDeniedException' &&
      /user\/app is not authorized to perform: kms:UpdateAlias .* explicit deny/.test(reply.body.message)
    /** The alias as ListAliases shows it (read without taking the alias's lock): its key and last write. */
    let list: RaceRequest | undefined
    const aliasNow = async (alias: string) => {
      // Signed once, before the race: signing takes longer than the window a late write would land in.
      list ??= await signed(admin, 'ListAliases', {})
      const reply = await server.call('POST', '/', list)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      const found = reply.body.Aliases.find((a: { AliasName: string }) => a.AliasName === alias)
      return { target: found?.TargetKeyId, updated: found?.LastUpdatedDate }
    }
    for (let round = 0; round < ROUNDS; round++) {
      const current = (await call(admin, 'CreateKey', {})).body.KeyMetadata.KeyId
      const next = (await call(admin, 'CreateKey', {})).body.KeyMetadata.KeyId
      const alias = `alias/race/update-${round}`
      await call(admin, 'CreateAlias', { AliasName: alias, TargetKeyId: current })
      const update = await signed(app, 'UpdateAlias', { AliasName: alias, TargetKeyId: next })
      const put = await signed(admin, 'PutKeyPolicy', {
        KeyId: next,
        PolicyName: 'default',
        Policy: denyApp,
      })
      const updates = (n: number) => Array.from({ length: n }, () => update)
      await aliasNow(alias)
      // Updates in flight before, during and after the PutKeyPolicy. As soon as it answers, the alias is read: an
      // update checked against the old policy but written after the Deny answered would change it afterwards.
      const before = burst(server.address, updates(BURST))
      // A short pause lets the first updates reach the engine before the Deny does; it moves the interleaving
      // only, and the assertions below hold whatever the timing.
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
      const atDeny = server.call('POST', '/', put).then(async (reply) => {
        assert.equal(reply.status, 200, JSON.stringify(reply.body))
        return aliasNow(alias)
      })
      const during = burst(server.address, updates(BURST))
      const seen = await atDeny
      const afterwards = burst(server.address, updates(BURST))
      for (const reply of [...(await before), ...(await during)])
        assert.ok(
          reply.status === 200 || refused(reply),
          `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
        )
      for (const reply of await afterwards)
        assert.ok(refused(reply), `round ${round}: ${JSON.stringify(reply.body)}`)
      assert.deepEqual(
        await aliasNow(alias),
        seen,
        `round ${round}: an update landed after the Deny answered`,
      )
      // The admin, whom the account delegation still allows, may move the alias: the Deny is the app's alone.
      await call(admin, 'UpdateAlias', { AliasName: alias, TargetKeyId: current })
      assert.equal((await aliasNow(alias)).target, current)
    }
  })
})
