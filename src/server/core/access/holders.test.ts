// Every auth method reports its policy holders through the policyHolders hook; entities and groups come from identity.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeSelfSignedCert } from '../../../../test/helpers/tls.ts'
import { runPipeline } from '../handle-request.ts'
import { request, type TestCore, unsealedCore } from '../pipeline/test-helpers.ts'
import { collectHolders } from './holders.ts'

describe('policy holders', () => {
  let t: TestCore
  let dir: string
  const write = (path: string, data: Record<string, unknown> = {}) =>
    runPipeline(t.services, request('update', path, t.rootToken, data))

  before(async () => {
    t = await unsealedCore()
    dir = mkdtempSync(join(tmpdir(), 'coffer-holders-'))
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('jwt, kubernetes, aws-keys (roles and keys), cert and token roles, with default unless turned off', async () => {
    await write('sys/auth/jwt', { type: 'jwt' })
    await write('auth/jwt/role/ci', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: 'coffer',
      token_policies: 'p1',
    })
    await write('sys/auth/kubernetes', { type: 'kubernetes' })
    await write('auth/kubernetes/role/pods', {
      bound_service_account_names: 'app',
      bound_service_account_namespaces: 'prod',
      token_policies: 'p2',
      token_no_default_policy: true,
    })
    await write('sys/auth/aws-keys', { type: 'aws-keys' })
    await write('auth/aws-keys/role/deploy', { token_policies: 'p3' })
    const key = (await write('auth/aws-keys/role/deploy/access-key'))!.data!['access_key_id'] as string
    await write('auth/token/roles/batch', { allowed_policies: 'p4,p5' })
    const cert = makeSelfSignedCert(dir)
    if (cert) {
      await write('sys/auth/cert', { type: 'cert' })
      await write('auth/cert/certs/web', {
        certificate: readFileSync(cert.cert, 'utf8'),
        token_policies: 'p6',
      })
    }
    const holders = (await collectHolders(t.services)).map((h) => [
      h.type,
      h.mount,
      h.name,
      h.policies,
      h.via,
    ])
    const expected = [
      ['aws-keys_access_key', 'auth/aws-keys/', key, ['default', 'p3'], { p3: ['role/deploy'] }],
      ['aws-keys_role', 'auth/aws-keys/', 'deploy', ['default', 'p3'], {}],
      ...(cert ? [['cert_certificate', 'auth/cert/', 'web', ['default', 'p6'], {}]] : []),
      ['jwt_role', 'auth/jwt/', 'ci', ['default', 'p1'], {}],
      ['kubernetes_role', 'auth/kubernetes/', 'pods', ['p2'], {}],
      ['token_role', 'auth/token/', 'batch', ['default', 'p4', 'p5'], {}],
    ]
    assert.deepEqual(holders, expected)
  })

  it('a disabled entity is marked so; a group inherits the policies of the groups it is a member of', async () => {
    const id = (await write('identity/entity', { name: 'gone', policies: 'p7', disabled: true }))!.data!['id']
    const inner = (await write('identity/group', { name: 'inner', policies: 'p8' }))!.data!['id']
    await write('identity/group', { name: 'outer', policies: 'p9', member_group_ids: [inner] })
    const holders = await collectHolders(t.services)
    const entity = holders.find((h) => h.type === 'entity')!
    assert.deepEqual([entity.id, entity.disabled, entity.policies], [id, true, ['p7']])
    const group = holders.find((h) => h.name === 'inner')!
    assert.deepEqual([group.policies, group.via], [['p8', 'p9'], { p9: ['group/outer'] }])
  })
})
