// Race suite, Secrets Manager state through signed AWS JSON calls: creates, versions, labels, deletes and restores
// arriving at the same instant keep AWS's promises (one winner, no lost version, one holder per label, no comeback).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'
import { type AwsCaller, awsCaller, awsStatuses } from '../helpers/race-aws.ts'

const ROUNDS = 4
const BURST = 40

describe('race: Secrets Manager state', () => {
  let server: RaceServer
  let aws: AwsCaller

  before(async () => {
    server = await startRaceServer()
    aws = await awsCaller(server)
  })
  after(async () => {
    await server?.close()
  })

  const sm = (action: string, input: Record<string, unknown>) => aws.request('secretsmanager', action, input)
  const call = (action: string, input: Record<string, unknown>) => aws.call('secretsmanager', action, input)
  const statuses = awsStatuses

  async function create(name: string, value = 'v0'): Promise<string> {
    const reply = await call('CreateSecret', { Name: name, SecretString: value })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.VersionId
  }

  /** VersionId → staging labels, deprecated versions included. */
  async function stagesOf(name: string): Promise<Map<string, string[]>> {
    const reply = await call('ListSecretVersionIds', { SecretId: name, IncludeDeprecated: true })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return new Map(
      (reply.body.Versions as { VersionId: string; VersionStages?: string[] }[]).map((v) => [
        v.VersionId,
        v.VersionStages ?? [],
      ]),
    )
  }

  function holders(stages: Map<string, string[]>, stage: string): string[] {
    return [...stages].filter(([, labels]) => labels.includes(stage)).map(([id]) => id)
  }

  it(`of ${BURST} CreateSecret calls for one name, exactly one succeeds and the rest are ResourceExistsException`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/create-${round}`
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) => sm('CreateSecret', { Name: name, SecretString: `w${i}` })),
        ),
      )
      const won = replies.filter((r) => r.status === 200)
      assert.equal(won.length, 1, `round ${round}: ${statuses(replies)}`)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual([r.status, r.body.__type], [400, 'ResourceExistsException'], `round ${round}`)
      // The stored value is the winner's, as its only version.
      const winner = replies.indexOf(won[0]!)
      const got = await call('GetSecretValue', { SecretId: name })
      assert.equal(got.body.SecretString, `w${winner}`, `round ${round}`)
      assert.deepEqual([...(await stagesOf(name)).keys()], [won[0]!.body.VersionId])
    }
  })

  /** BURST Vault-API writes of one new secret, each with its own value, with `token`. */
  function vaultWrites(name: string, token: string) {
    return server.burst(
      Array.from({ length: BURST }, (_, i) => ({
        method: 'POST',
        path: `secretsmanager/secrets/${name}`,
        token,
        body: { secret_string: `vault-${i}` },
      })),
    )
  }

  it(`${BURST} writes of one new name through the Vault API at once: one creates it, no answered write is lost`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/vault-${round}`
      const replies = await vaultWrites(name, server.rootToken)
      // Authorised as a create (no secret yet at the ACL check), a write that loses the create is refused as one;
      // authorised as an update, it adds its version.
      const written = replies.filter((r) => r.status === 200)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual(
          [r.status, r.body.errors],
          [400, [`The operation failed because the secret ${name} already exists.`]],
          `round ${round}`,
        )
      const ids = written.map((r) => r.body.data.version_id as string)
      const stages = await stagesOf(name)
      assert.deepEqual(
        [...stages.keys()].sort(),
        [...ids].sort(),
        `round ${round}: a version is lost or extra`,
      )
      assert.equal(holders(stages, 'AWSCURRENT').length, 1)
      const got = await call('GetSecretValue', { SecretId: name })
      assert.equal(
        got.body.SecretString,
        `vault-${replies.indexOf(written[ids.indexOf(got.body.VersionId)]!)}`,
      )
    }
  })

  it('a token that may only create never adds a version to a secret, however its writes race', async () => {
    assert.equal(
      (
        await server.call('PUT', 'sys/policies/acl/sm-create-only', {
          body: { policy: 'path "secretsmanager/secrets/*" { capabilities = ["create"] }' },
        })
      ).status,
      204,
    )
    const token = (await server.call('POST', 'auth/token/create', { body: { policies: ['sm-create-only'] } }))
      .body.auth.client_token
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/create-only-${round}`
      const replies = await vaultWrites(name, token)
      assert.equal(replies.filter((r) => r.status === 200).length, 1, `round ${round}: ${statuses(replies)}`)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.ok(
          r.status === 400 || r.status === 403,
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const stages = await stagesOf(name)
      assert.equal(
        stages.size,
        1,
        `round ${round}: a create-only token added versions: ${JSON.stringify([...stages])}`,
      )
    }
  })

  it(`${BURST} PutSecretValue calls with one ClientRequestToken make one version and all answer it`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/idem-${round}`
      const first = await create(name)
      const token = randomUUID()
      const put = await sm('PutSecretValue', {
        SecretId: name,
        SecretString: 'same',
        ClientRequestToken: token,
      })
      const replies = await server.burst(Array(BURST).fill(put))
      for (const r of replies)
        assert.deepEqual([r.status, r.body.VersionId], [200, token], `round ${round}: ${statuses(replies)}`)
      const stages = await stagesOf(name)
      assert.deepEqual([...stages.keys()].sort(), [first, token].sort(), `round ${round}`)
      assert.deepEqual(stages.get(token), ['AWSCURRENT'])
      assert.deepEqual(stages.get(first), ['AWSPREVIOUS'])
    }
  })

  it(`${BURST} PutSecretValue calls with their own tokens: ${BURST} versions, one AWSCURRENT, one AWSPREVIOUS`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/puts-${round}`
      const first = await create(name)
      const tokens: string[] = Array.from({ length: BURST }, () => randomUUID())
      const replies = await server.burst(
        await Promise.all(
          tokens.map((token, i) =>
            sm('PutSecretValue', { SecretId: name, SecretString: `p${i}`, ClientRequestToken: token }),
          ),
        ),
      )
      for (const [i, r] of replies.entries())
        assert.deepEqual(
          [r.status, r.body.VersionId],
          [200, tokens[i]],
          `round ${round}: ${statuses(replies)}`,
        )
      const stages = await stagesOf(name)
      assert.deepEqual(
        [...stages.keys()].sort(),
        [first, ...tokens].sort(),
        `round ${round}: a version is lost`,
      )
      const current = holders(stages, 'AWSCURRENT')
      const previous = holders(stages, 'AWSPREVIOUS')
      assert.equal(current.length, 1, `round ${round}: ${JSON.stringify([...stages])}`)
      assert.equal(previous.length, 1, `round ${round}: ${JSON.stringify([...stages])}`)
      assert.notEqual(current[0], previous[0])
      assert.notEqual(current[0], first, `round ${round}: AWSCURRENT stayed on the first version`)
      // The value read is AWSCURRENT's, and the previous one is what the reads of AWSPREVIOUS give.
      const got = await call('GetSecretValue', { SecretId: name })
      assert.equal(got.body.VersionId, current[0])
      assert.equal(got.body.SecretString, `p${tokens.indexOf(current[0]!)}`)
      const prev = await call('GetSecretValue', { SecretId: name, VersionStage: 'AWSPREVIOUS' })
      assert.equal(prev.body.VersionId, previous[0])
    }
  })

  it(`${BURST} UpdateSecretVersionStage calls moving one label from its holder: one moves it, one version holds it`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/stage-${round}`
      const first = await create(name)
      const ids: string[] = []
      for (let v = 0; v < 6; v++) {
        const reply = await call('PutSecretValue', {
          SecretId: name,
          SecretString: `s${v}`,
          VersionStages: ['OLD'],
        })
        assert.equal(reply.status, 200, JSON.stringify(reply.body))
        ids.push(reply.body.VersionId)
      }
      for (const stage of ['AWSCURRENT', 'BLUE']) {
        if (stage === 'BLUE')
          assert.equal(
            (
              await call('UpdateSecretVersionStage', {
                SecretId: name,
                VersionStage: 'BLUE',
                MoveToVersionId: first,
              })
            ).status,
            200,
          )
        const holder = holders(await stagesOf(name), stage)[0]!
        assert.equal(holder, first)
        const replies = await server.burst(
          await Promise.all(
            Array.from({ length: BURST }, (_, i) =>
              sm('UpdateSecretVersionStage', {
                SecretId: name,
                VersionStage: stage,
                RemoveFromVersionId: holder,
                MoveToVersionId: ids[i % ids.length],
              }),
            ),
          ),
        )
        const moved = replies.filter((r) => r.status === 200).length
        // Each call names the holder it saw: after the first move every other one names the wrong version.
        assert.equal(moved, 1, `round ${round}, ${stage}: ${statuses(replies)}`)
        for (const r of replies.filter((r) => r.status !== 200))
          assert.deepEqual([r.status, r.body.__type], [400, 'InvalidParameterException'])
        const stages = await stagesOf(name)
        const now = holders(stages, stage)
        assert.equal(now.length, 1, `round ${round}, ${stage}: ${JSON.stringify([...stages])}`)
        assert.equal(now[0], ids[replies.findIndex((r) => r.status === 200) % ids.length])
        if (stage === 'AWSCURRENT') assert.deepEqual(holders(stages, 'AWSPREVIOUS'), [first])
      }
    }
  })

  it(`${BURST} PutSecretValue calls with one ClientRequestToken and different values: one version, one value`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/conflict-${round}`
      await create(name)
      const token = randomUUID()
      const replies = await server.burst(
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            sm('PutSecretValue', { SecretId: name, SecretString: `c${i}`, ClientRequestToken: token }),
          ),
        ),
      )
      // Versions are immutable: the first write of the token wins, the others would change it and are refused.
      const won = replies.filter((r) => r.status === 200)
      assert.equal(won.length, 1, `round ${round}: ${statuses(replies)}`)
      for (const r of replies.filter((r) => r.status !== 200))
        assert.deepEqual([r.status, r.body.__type], [400, 'ResourceExistsException'], `round ${round}`)
      const got = await call('GetSecretValue', { SecretId: name, VersionId: token })
      assert.equal(got.body.SecretString, `c${replies.indexOf(won[0]!)}`, `round ${round}`)
    }
  })

  it('PutSecretValue racing a forced DeleteSecret leaves no version behind for a secret created again', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/orphan-${round}`
      await create(name, 'before')
      const puts = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          sm('PutSecretValue', { SecretId: name, SecretString: `o${i}` }),
        ),
      )
      const half = BURST / 2
      const replies = await server.burst([
        ...puts.slice(0, half),
        await sm('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true }),
        ...puts.slice(half),
      ])
      assert.equal(replies[half]!.status, 200, JSON.stringify(replies[half]!.body))
      for (const r of replies.filter((_, i) => i !== half))
        assert.ok(
          r.status === 200 || (r.status === 400 && r.body.__type === 'ResourceNotFoundException'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const described = await call('DescribeSecret', { SecretId: name })
      assert.deepEqual([described.status, described.body.__type], [400, 'ResourceNotFoundException'])
      const again = await create(name, 'again')
      assert.deepEqual(
        [...(await stagesOf(name)).keys()],
        [again],
        `round ${round}: an old version came back`,
      )
      assert.equal(
        (await call('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true })).status,
        200,
      )
    }
  })

  it('after a forced DeleteSecret answers, no GetSecretValue reads the secret', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/del-${round}`
      await create(name, 'doomed')
      const get = await sm('GetSecretValue', { SecretId: name })
      const half = BURST / 2
      const replies = await server.burst([
        ...Array(half).fill(get),
        await sm('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true }),
        ...Array(half).fill(get),
      ])
      assert.equal(replies[half]!.status, 200, JSON.stringify(replies[half]!.body))
      for (const r of replies.filter((_, i) => i !== half))
        assert.ok(
          (r.status === 200 && r.body.SecretString === 'doomed') ||
            (r.status === 400 && r.body.__type === 'ResourceNotFoundException'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const afterwards = await server.burst(Array(10).fill(get))
      for (const r of afterwards)
        assert.deepEqual([r.status, r.body.__type], [400, 'ResourceNotFoundException'], `round ${round}`)
    }
  })

  it('RestoreSecret racing a forced DeleteSecret never brings the secret back', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/restore-${round}`
      await create(name, 'gone')
      const scheduled = await call('DeleteSecret', { SecretId: name, RecoveryWindowInDays: 7 })
      assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body))
      const restore = await sm('RestoreSecret', { SecretId: name })
      const half = BURST / 2
      const replies = await server.burst([
        ...Array(half).fill(restore),
        await sm('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true }),
        ...Array(half).fill(restore),
      ])
      assert.equal(replies[half]!.status, 200, JSON.stringify(replies[half]!.body))
      for (const r of replies.filter((_, i) => i !== half))
        assert.ok(
          r.status === 200 || (r.status === 400 && r.body.__type === 'ResourceNotFoundException'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const described = await call('DescribeSecret', { SecretId: name })
      assert.deepEqual([described.status, described.body.__type], [400, 'ResourceNotFoundException'])
      const read = await call('GetSecretValue', { SecretId: name })
      assert.deepEqual([read.status, read.body.__type], [400, 'ResourceNotFoundException'])
    }
  })

  it('scheduled DeleteSecret and RestoreSecret racing: the end state is one of them, and reads agree with it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/flip-${round}`
      await create(name, 'flip')
      const del = await sm('DeleteSecret', { SecretId: name, RecoveryWindowInDays: 7 })
      const restore = await sm('RestoreSecret', { SecretId: name })
      const replies = await server.burst(Array.from({ length: BURST }, (_, i) => (i % 2 ? restore : del)))
      for (const [i, r] of replies.entries())
        assert.ok(
          r.status === 200 ||
            (i % 2 === 0 && r.status === 400 && r.body.__type === 'InvalidRequestException'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      const described = await call('DescribeSecret', { SecretId: name })
      const read = await call('GetSecretValue', { SecretId: name })
      if (described.body.DeletedDate !== undefined)
        assert.deepEqual([read.status, read.body.__type], [400, 'InvalidRequestException'], `round ${round}`)
      else assert.equal(read.body.SecretString, 'flip', `round ${round}`)
      // Either way one restore brings it back whole.
      assert.equal((await call('RestoreSecret', { SecretId: name })).status, 200)
      assert.equal((await call('GetSecretValue', { SecretId: name })).body.SecretString, 'flip')
    }
  })
})
