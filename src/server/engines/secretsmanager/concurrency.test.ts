// Racing writes on one secret over the barrier and SQLite: no lost version, never two AWSCURRENT labels.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeBackend } from '../../../../test/helpers/backend.ts'
import { secretsManagerBackend } from './backend.ts'
import { token, withAws } from './test-helpers.ts'

const N = 20

describe('concurrent writes on SQLite', () => {
  it('20 racing PutSecretValue calls make 20 versions with one AWSCURRENT and one AWSPREVIOUS', async () => {
    const h = await makeBackend(secretsManagerBackend, {
      mount: { type: 'secretsmanager', path: 'secretsmanager/' },
    })
    const sm = withAws(h)
    try {
      await sm.aws('CreateSecret', { Name: 's', SecretString: 'start', ClientRequestToken: token('start') })
      const ids = Array.from({ length: N }, (_, i) => token(i))
      // Each call names the secret its own way (name, ARN), which must still take the one lock.
      const { ARN } = await sm.aws('DescribeSecret', { SecretId: 's' })
      await Promise.all(
        ids.map((id, i) =>
          sm.aws('PutSecretValue', {
            SecretId: i % 2 ? 's' : ARN,
            SecretString: `v${i}`,
            ClientRequestToken: id,
          }),
        ),
      )
      const out = await sm.aws('ListSecretVersionIds', { SecretId: 's', IncludeDeprecated: true })
      const versions = out['Versions'] as { VersionId: string; VersionStages: string[] }[]
      assert.equal(versions.length, N + 1)
      assert.deepEqual(new Set(versions.map((v) => v.VersionId)), new Set([token('start'), ...ids]))
      const all = versions.flatMap((v) => v.VersionStages)
      assert.equal(all.filter((l) => l === 'AWSCURRENT').length, 1)
      assert.equal(all.filter((l) => l === 'AWSPREVIOUS').length, 1)
      // The current value is the one the last writer stored.
      const current = versions.find((v) => v.VersionStages.includes('AWSCURRENT'))!
      const got = await sm.aws('GetSecretValue', { SecretId: 's' })
      assert.equal(got['VersionId'], current.VersionId)
    } finally {
      await h.close()
    }
  })

  it('racing CreateSecret calls for one name: exactly one succeeds', async () => {
    const h = await makeBackend(secretsManagerBackend, {
      mount: { type: 'secretsmanager', path: 'secretsmanager/' },
    })
    const sm = withAws(h)
    try {
      const results = await Promise.allSettled(
        Array.from({ length: N }, (_, i) => sm.aws('CreateSecret', { Name: 'race', SecretString: `v${i}` })),
      )
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    } finally {
      await h.close()
    }
  })
})
