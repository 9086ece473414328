// Race suite, Parameter Store through signed AWS JSON calls: creates, overwrites, labels and deletes arriving at the
// same instant keep AWS's promises (one creator, every version numbered once, one holder per label, no late read).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'
import { type AwsCaller, awsCaller, awsStatuses } from '../helpers/race-aws.ts'

const ROUNDS = 4
const BURST = 40

describe('race: Parameter Store state', () => {
  let server: RaceServer
  let aws: AwsCaller

  before(async () => {
    server = await startRaceServer()
    aws = await awsCaller(server)
  })
  after(async () => {
    await server?.close()
  })

  const ssm = (action: string, input: Record<string, unknown>) => aws.request('ssm', action, input)
  const call = (action: string, input: Record<string, unknown>) => aws.call('ssm', action, input)
  const statuses = awsStatuses

  async function history(name: string): Promise<{ Version: number; Value: string; Labels?: string[] }[]> {
    const versions = []
    let next: string | undefined
    do {
      const reply = await call('GetParameterHistory', { Name: name, ...(next ? { NextToken: next } : {}) })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      versions.push(...reply.body.Parameters)
      next = reply.body.NextToken
    } while (next)
    return versions
  }

  it(`of ${BURST} PutParameter calls without Overwrite for one name, exactly one creates it`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `/race/create-${round}`
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            ssm('PutParameter', { Name: name, Value: `w${i}`, Type: 'String' }),
          ),
        ),
      )
      const won = replies.filter((r) => r.status === 200)
      assert.equal(won.length, 1, `round ${round}: ${statuses(replies)}`)
      assert.equal(won[0]!.body.Version, 1)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual([r.status, r.body.__type], [400, 'ParameterAlreadyExists'], `round ${round}`)
      const got = await call('GetParameter', { Name: name })
      assert.deepEqual(
        [got.body.Parameter.Value, got.body.Parameter.Version],
        [`w${replies.indexOf(won[0]!)}`, 1],
      )
      assert.equal((await history(name)).length, 1)
    }
  })

  it(`PutParameter without Overwrite for foo and /foo at once (one parameter at AWS): exactly one creates it`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const bare = `spelling-${round}`
      // Alternate the two spellings so both race for the one parameter from the first request on.
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            ssm('PutParameter', { Name: i % 2 === 0 ? bare : `/${bare}`, Value: `w${i}`, Type: 'String' }),
          ),
        ),
      )
      const won = replies.filter((r) => r.status === 200)
      assert.equal(won.length, 1, `round ${round}: ${statuses(replies)}`)
      assert.equal(won[0]!.body.Version, 1)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual([r.status, r.body.__type], [400, 'ParameterAlreadyExists'], `round ${round}`)
      const value = `w${replies.indexOf(won[0]!)}`
      for (const name of [bare, `/${bare}`]) {
        const got = await call('GetParameter', { Name: name })
        assert.deepEqual([got.body.Parameter.Value, got.body.Parameter.Version], [value, 1], name)
        assert.equal((await history(name)).length, 1, name)
      }
    }
  })

  /** BURST Vault-API writes of one new parameter with `token`; the first names SecureString, the rest no type. */
  function vaultWrites(name: string, token: string) {
    return server.burst(
      Array.from({ length: BURST }, (_, i) => ({
        method: 'POST',
        path: `ssm/parameters/${name}`,
        token,
        body: { value: `vault-${i}`, ...(i === 0 ? { type: 'SecureString' } : {}) },
      })),
    )
  }

  it(`${BURST} writes of one new parameter through the Vault API at once: one creates it, none lost, type kept`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/vault-${round}`
      const replies = await vaultWrites(name, server.rootToken)
      // Authorised as a create, a write that loses the create is refused as one; as an update, it adds a version.
      const written = replies.filter((r) => r.status === 200)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.match(r.body.errors?.[0] ?? '', /^The parameter already exists/, `round ${round}: ${r.status}`)
      const numbers = written.map((r) => r.body.data.Version as number)
      assert.deepEqual(
        [...numbers].sort((a, b) => a - b),
        Array.from({ length: written.length }, (_, i) => i + 1),
        `round ${round}`,
      )
      const stored = await history(`/${name}`)
      assert.equal(stored.length, written.length)
      // Writes naming no type keep the type before them: once SecureString, no later version is a String.
      const types = stored.map((v) => (v as unknown as { Type: string }).Type)
      const firstSecure = types.indexOf('SecureString')
      if (firstSecure >= 0)
        assert.ok(
          types.slice(firstSecure).every((t) => t === 'SecureString'),
          `round ${round}: ${JSON.stringify(types)}`,
        )
    }
  })

  it('a token that may only create never overwrites a parameter, however its writes race', async () => {
    assert.equal(
      (
        await server.call('PUT', 'sys/policies/acl/ssm-create-only', {
          body: { policy: 'path "ssm/parameters/*" { capabilities = ["create"] }' },
        })
      ).status,
      204,
    )
    const token = (
      await server.call('POST', 'auth/token/create', { body: { policies: ['ssm-create-only'] } })
    ).body.auth.client_token
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/create-only-${round}`
      const replies = await vaultWrites(name, token)
      assert.equal(replies.filter((r) => r.status === 200).length, 1, `round ${round}: ${statuses(replies)}`)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.ok(
          r.status === 400 || r.status === 403,
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      assert.equal((await history(`/${name}`)).length, 1, `round ${round}: a create-only token overwrote`)
    }
  })

  it(`${BURST} PutParameter calls with Overwrite: versions 2..${BURST + 1}, each answered once, none lost`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `/race/over-${round}`
      assert.equal((await call('PutParameter', { Name: name, Value: 'v0', Type: 'String' })).status, 200)
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            ssm('PutParameter', { Name: name, Value: `o${i}`, Overwrite: true }),
          ),
        ),
      )
      assert.ok(
        replies.every((r) => r.status === 200),
        `round ${round}: ${statuses(replies)}`,
      )
      const answered = replies.map((r) => r.body.Version as number).sort((a, b) => a - b)
      assert.deepEqual(
        answered,
        Array.from({ length: BURST }, (_, i) => i + 2),
        `round ${round}: a version number was given twice`,
      )
      // Each version holds the value of the call that was answered its number.
      const stored = await history(name)
      assert.equal(stored.length, BURST + 1, `round ${round}`)
      for (const [i, r] of replies.entries())
        assert.equal(stored.find((v) => v.Version === r.body.Version)?.Value, `o${i}`, `round ${round}`)
      const got = await call('GetParameter', { Name: name })
      assert.equal(got.body.Parameter.Version, BURST + 1)
    }
  })

  it(`${BURST} LabelParameterVersion calls putting one label on different versions leave it on one version`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `/race/label-${round}`
      for (let v = 0; v < 8; v++)
        assert.equal(
          (await call('PutParameter', { Name: name, Value: `l${v}`, Type: 'String', Overwrite: v > 0 }))
            .status,
          200,
        )
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            ssm('LabelParameterVersion', {
              Name: name,
              ParameterVersion: (i % 8) + 1,
              Labels: ['live', `only${i % 8}`],
            }),
          ),
        ),
      )
      assert.ok(
        replies.every((r) => r.status === 200),
        `round ${round}: ${statuses(replies)}`,
      )
      const stored = await history(name)
      const holding = stored.filter((v) => v.Labels?.includes('live'))
      assert.equal(holding.length, 1, `round ${round}: ${JSON.stringify(stored.map((v) => v.Labels))}`)
      // No label is on two versions, and the per-version labels stayed where they were put.
      const all = stored.flatMap((v) => v.Labels ?? [])
      assert.equal(new Set(all).size, all.length, `round ${round}: ${JSON.stringify(all)}`)
      for (const v of stored) assert.ok(v.Labels?.includes(`only${v.Version - 1}`), `round ${round}`)
      const byLabel = await call('GetParameter', { Name: `${name}:live` })
      assert.equal(byLabel.body.Parameter.Version, holding[0]!.Version)
    }
  })

  it('after DeleteParameter answers, no GetParameter reads the parameter', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `/race/del-${round}`
      assert.equal(
        (await call('PutParameter', { Name: name, Value: 'doomed', Type: 'SecureString' })).status,
        200,
      )
      const get = await ssm('GetParameter', { Name: name, WithDecryption: true })
      const half = BURST / 2
      const replies = await server.burst([
        ...Array(half).fill(get),
        await ssm('DeleteParameter', { Name: name }),
        ...Array(half).fill(get),
      ])
      assert.equal(replies[half]!.status, 200, JSON.stringify(replies[half]!.body))
      for (const r of replies.filter((_, i) => i !== half))
        assert.ok(
          (r.status === 200 && r.body.Parameter.Value === 'doomed') ||
            (r.status === 400 && r.body.__type === 'ParameterNotFound'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const afterwards = await server.burst(Array(10).fill(get))
      for (const r of afterwards)
        assert.deepEqual([r.status, r.body.__type], [400, 'ParameterNotFound'], `round ${round}`)
    }
  })

  it(`of ${BURST} DeleteParameter calls for one name, exactly one deletes it`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `/race/del-many-${round}`
      assert.equal((await call('PutParameter', { Name: name, Value: 'x', Type: 'String' })).status, 200)
      const replies = await server.burst(Array(BURST).fill(await ssm('DeleteParameter', { Name: name })))
      assert.equal(replies.filter((r) => r.status === 200).length, 1, `round ${round}: ${statuses(replies)}`)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual([r.status, r.body.__type], [400, 'ParameterNotFound'])
    }
  })
})
