// Label invariants as properties over random Put/UpdateSecretVersionStage sequences, and the 100-version retention rule.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isAwsError } from '../../../sdk/aws-error.ts'
import { listRecursive } from '../../../sdk/storage.ts'
import { awsError, DAY, makeSm, type SmHarness, token } from './test-helpers.ts'

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % n
  }
}

async function labels(sm: SmHarness): Promise<Record<string, string[]>> {
  const out = await sm.aws('ListSecretVersionIds', { SecretId: 's', IncludeDeprecated: true })
  return Object.fromEntries(
    (out['Versions'] as { VersionId: string; VersionStages: string[] }[]).map((v) => [
      v.VersionId,
      v.VersionStages,
    ]),
  )
}

function checkInvariants(map: Record<string, string[]>, context: string) {
  const all = Object.values(map).flat()
  assert.equal(all.filter((l) => l === 'AWSCURRENT').length, 1, `exactly one AWSCURRENT: ${context}`)
  assert.ok(all.filter((l) => l === 'AWSPREVIOUS').length <= 1, `at most one AWSPREVIOUS: ${context}`)
  assert.equal(new Set(all).size, all.length, `every label on one version only: ${context}`)
}

describe('staging label invariants', () => {
  it('hold after any sequence of PutSecretValue and UpdateSecretVersionStage calls (40 seeds × 60 steps)', async () => {
    const LABELS = ['AWSCURRENT', 'AWSPREVIOUS', 'AWSPENDING', 'blue', 'green']
    let accepted = 0
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed)
      const sm = await makeSm()
      await sm.aws('CreateSecret', { Name: 's', SecretString: '0', ClientRequestToken: token('0') })
      const ids = [token('0')]
      for (let step = 0; step < 60; step++) {
        const pick = () => ids[next(ids.length)]!
        try {
          if (next(3) === 0) {
            const id = token(`${seed}-${step}`)
            const stages = next(2) === 0 ? undefined : [LABELS[next(LABELS.length)]!]
            await sm.aws('PutSecretValue', {
              SecretId: 's',
              SecretString: `${step}`,
              ClientRequestToken: id,
              VersionStages: stages,
            })
            ids.push(id)
          } else {
            const input: Record<string, unknown> = {
              SecretId: 's',
              VersionStage: LABELS[next(LABELS.length)],
            }
            if (next(4) !== 0) input['MoveToVersionId'] = pick()
            if (next(2) === 0) input['RemoveFromVersionId'] = pick()
            await sm.aws('UpdateSecretVersionStage', input)
          }
          accepted++
        } catch (error) {
          // Refusals are part of the property: a refused call must leave the invariants intact too.
          if (!isAwsError(error)) throw error
        }
        checkInvariants(await labels(sm), `seed ${seed} step ${step}`)
      }
    }
    // The sequences are not all refusals: a good share of calls change labels.
    assert.ok(accepted > 40 * 60 * 0.25, `accepted ${accepted}`)
  })
})

describe('version retention', () => {
  it('keeps at most 100 versions by dropping unlabeled ones at least a day old, oldest first', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '0', ClientRequestToken: token(0) })
    for (let i = 1; i < 100; i++)
      await sm.aws('PutSecretValue', { SecretId: 's', SecretString: `${i}`, ClientRequestToken: token(i) })
    sm.tick(DAY)
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: '100', ClientRequestToken: token(100) })
    const map = await labels(sm)
    assert.equal(Object.keys(map).length, 100)
    assert.equal(map[token(0)], undefined, 'the oldest unlabeled version went')
    assert.deepEqual(map[token(99)], ['AWSPREVIOUS'])
    assert.equal(
      (await awsError(sm.aws('GetSecretValue', { SecretId: 's', VersionId: token(0) }))).type,
      'ResourceNotFoundException',
    )
    // The dropped version's value is gone from storage as well: 100 values remain.
    assert.equal((await listRecursive(sm.storage, 'values/')).length, 100)
  })

  it('never drops a version younger than a day or one with a label: the 101st write then fails', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '0', ClientRequestToken: token(0) })
    await sm.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'keep',
      MoveToVersionId: token(0),
    })
    for (let i = 1; i < 100; i++)
      await sm.aws('PutSecretValue', { SecretId: 's', SecretString: `${i}`, ClientRequestToken: token(i) })
    const young = await awsError(
      sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'x', ClientRequestToken: token(100) }),
    )
    assert.equal(young.type, 'LimitExceededException')
    const before = await labels(sm)
    assert.equal(Object.keys(before).length, 100)
    assert.deepEqual(before[token(99)], ['AWSCURRENT'], 'a refused write changes nothing')
    sm.tick(DAY)
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'x', ClientRequestToken: token(100) })
    const after = await labels(sm)
    assert.deepEqual(after[token(0)], ['keep'], 'a labeled version stays')
    assert.equal(after[token(1)], undefined, 'the oldest unlabeled version went instead')
  })
})
