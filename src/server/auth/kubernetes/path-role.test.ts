// kubernetes roles: binding validation (names and namespaces, "*" and globs), partial updates, reads and LIST.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { makeBackend } from '../../../../test/helpers/backend.ts'
import { type BackendHarness, failure } from '../../../sdk/framework/backend-harness.ts'
import { kubernetesBackend } from './backend.ts'

const opened: BackendHarness[] = []
after(async () => {
  for (const h of opened) await h.close()
})

async function make(): Promise<BackendHarness> {
  const h = await makeBackend(kubernetesBackend, { mount: { type: 'kubernetes' } })
  opened.push(h)
  return h
}

const BOUND = { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod' }

describe('kubernetes role bindings', () => {
  it('refuses a role without names or namespaces (Vault: "can not be empty")', async () => {
    const h = await make()
    assert.deepEqual(
      await failure(() => h.call('update', 'role/r', { bound_service_account_namespaces: 'prod' })),
      { status: 400, message: '"bound_service_account_names" can not be empty' },
    )
    assert.deepEqual(
      await failure(() => h.call('update', 'role/r', { bound_service_account_names: 'app' })),
      { status: 400, message: '"bound_service_account_namespaces" can not be empty' },
    )
    assert.deepEqual(
      await failure(() => h.call('update', 'role/r', { ...BOUND, bound_service_account_names: ' , ' })),
      { status: 400, message: '"bound_service_account_names" can not be empty' },
      'a list of blanks is empty',
    )
    assert.equal(await h.call('read', 'role/r'), undefined, 'nothing was stored')
  })

  it('refuses "*" mixed with other entries, which would read as a restriction but allow everything', async () => {
    const h = await make()
    assert.deepEqual(
      await failure(() =>
        h.call('update', 'role/r', { ...BOUND, bound_service_account_names: ['*', 'app'] }),
      ),
      { status: 400, message: 'can not mix "*" with values' },
    )
    assert.deepEqual(
      await failure(() =>
        h.call('update', 'role/r', { ...BOUND, bound_service_account_namespaces: 'prod,*' }),
      ),
      { status: 400, message: 'can not mix "*" with values' },
    )
  })

  it('accepts "*" alone and globs, as lists or comma-separated strings', async () => {
    const h = await make()
    await h.call('update', 'role/all', {
      bound_service_account_names: '*',
      bound_service_account_namespaces: '*',
    })
    await h.call('update', 'role/globs', {
      bound_service_account_names: 'app-*, worker',
      bound_service_account_namespaces: ['team-*', 'prod'],
    })
    const globs = (await h.call('read', 'role/globs'))?.data
    assert.deepEqual(globs?.['bound_service_account_names'], ['app-*', 'worker'])
    assert.deepEqual(globs?.['bound_service_account_namespaces'], ['team-*', 'prod'])
    assert.deepEqual((await h.call('read', 'role/all'))?.data?.['bound_service_account_names'], ['*'])
  })

  it('refuses bound_service_account_namespace_selector, which Coffer does not support', async () => {
    const h = await make()
    const refused = await failure(() =>
      h.call('update', 'role/r', {
        ...BOUND,
        bound_service_account_namespace_selector: '{"matchLabels":{}}',
      }),
    )
    assert.equal(refused.status, 400)
    assert.match(refused.message, /bound_service_account_namespace_selector is not supported/)
  })

  it('takes alias_name_source serviceaccount_uid (the default) or serviceaccount_name, and nothing else', async () => {
    const h = await make()
    await h.call('update', 'role/r', BOUND)
    assert.equal((await h.call('read', 'role/r'))?.data?.['alias_name_source'], 'serviceaccount_uid')
    await h.call('update', 'role/r', { alias_name_source: 'serviceaccount_name' })
    assert.equal((await h.call('read', 'role/r'))?.data?.['alias_name_source'], 'serviceaccount_name')
    assert.deepEqual(await failure(() => h.call('update', 'role/r', { alias_name_source: 'pod_name' })), {
      status: 400,
      message: 'invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name',
    })
  })
})

describe('kubernetes role storage', () => {
  it('reads back the bindings, audience and token parameters in Vault’s shape', async () => {
    const h = await make()
    await h.call('update', 'role/app', {
      ...BOUND,
      audience: 'coffer',
      token_policies: 'a,b',
      token_ttl: '1h',
      token_max_ttl: 7200,
    })
    const data = (await h.call('read', 'role/app'))?.data
    assert.equal(data?.['bound_service_account_namespace_selector'], '')
    assert.equal(data?.['audience'], 'coffer')
    assert.deepEqual(data?.['token_policies'], ['a', 'b'])
    assert.equal(data?.['token_ttl'], 3600)
    assert.equal(data?.['token_max_ttl'], 7200)
  })

  it('an update changes only the fields it names, as Vault’s role writes do', async () => {
    const h = await make()
    await h.call('update', 'role/app', { ...BOUND, audience: 'coffer', token_policies: 'a' })
    await h.call('update', 'role/app', { token_policies: 'b' })
    const data = (await h.call('read', 'role/app'))?.data
    assert.deepEqual(data?.['bound_service_account_names'], ['app'])
    assert.equal(data?.['audience'], 'coffer')
    assert.deepEqual(data?.['token_policies'], ['b'])
  })

  it('has an existence check, so core tells create from update', async () => {
    const h = await make()
    assert.equal(await h.exists('role/app'), false)
    await h.call('create', 'role/app', BOUND)
    assert.equal(await h.exists('role/app'), true)
  })

  it('lists role names (every name to whoever may list, as Vault) and deletes', async () => {
    const h = await make()
    assert.equal(await h.call('list', 'role/'), undefined, 'no roles: a 404')
    await h.call('update', 'role/b', BOUND)
    await h.call('update', 'role/a', BOUND)
    assert.deepEqual((await h.call('list', 'role'))?.data, { keys: ['a', 'b'] })
    assert.equal(h.instance.listKeys('role/'), 'names')
    await h.call('delete', 'role/a')
    assert.deepEqual((await h.call('list', 'role/'))?.data, { keys: ['b'] })
    assert.equal(await h.call('read', 'role/a'), undefined)
  })

  it('renews a login only while its role exists (Vault’s pathLoginRenew)', async () => {
    const h = await make()
    await h.call('update', 'role/app', BOUND)
    const login = { internal: { role: 'app', alias: 'uid-1' }, policies: ['default'] }
    // Its token settings as they are now go back to the renewal.
    assert.deepEqual(await h.instance.renewLogin(login), { tokenTtl: 0, maxTtl: 0, period: 0 })
    await h.call('update', 'role/app', { ...BOUND, token_ttl: '1h', token_period: '2h' })
    assert.deepEqual(await h.instance.renewLogin(login), { tokenTtl: 3600, maxTtl: 0, period: 7200 })
    await h.call('delete', 'role/app')
    assert.equal((await failure(() => h.instance.renewLogin(login))).status, 400)
  })
})
