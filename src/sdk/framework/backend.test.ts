// BackendInstance: routing to a declared path, operation dispatch, existence checks, special paths and hooks.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { makeBackend } from '../../../test/helpers/backend.ts'
import { getJson, putJson } from '../storage.ts'
import { type BackendDefinition, defineBackend, definePath, type HandlerContext } from './backend.ts'
import { type BackendHarness, failure } from './backend-harness.ts'
import { f } from './fields.ts'

interface State {
  setups: number
  cleaned: boolean
}

/** Every handler answers with what it saw, so a test can tell which one ran and with what input. */
const echo =
  (name: string) =>
  ({ input, params, request, state }: HandlerContext) => ({
    data: { handler: name, operation: request.operation, input, params, state },
  })

const itemFields = { name: f.string(), ttl: f.duration(), enabled: f.bool(), tags: f.list() }

const paths = [
  // Declared before the static path it overlaps, on purpose: rank, not order, decides.
  definePath<typeof itemFields, State>({
    pattern: 'items/:name',
    fields: itemFields,
    help: 'One item.',
    exists: async ({ storage, params }) => (await storage.get(`items/${params['name']}`)) !== undefined,
    operations: {
      read: echo('item-read'),
      update: async ({ storage, params, input }) => {
        await putJson(storage, `items/${params['name']}`, input)
        return undefined
      },
      delete: echo('item-delete'),
    },
  }),
  definePath({ pattern: 'items/special', help: 'The special item.', operations: { read: echo('special') } }),
  definePath({ pattern: 'items/', listKeys: 'names', operations: { list: echo('item-list') } }),
  definePath({ pattern: 'files/*path', operations: { list: echo('file-list'), read: echo('file-read') } }),
  definePath({ pattern: 'only-create', fields: {}, operations: { create: echo('only-create') } }),
  definePath({ pattern: 'only-update', fields: {}, operations: { update: echo('only-update') } }),
  definePath({ pattern: 'both', fields: {}, operations: { create: echo('c'), update: echo('u') } }),
  definePath({ pattern: 'anything', acceptAnyData: true, fields: {}, operations: { update: echo('any') } }),
  definePath({
    pattern: 'warned',
    fields: { known: f.string() },
    operations: {
      update: ({ input }) => (input.known === 'quiet' ? undefined : { data: {}, warnings: ['own warning'] }),
    },
  }),
]

function testBackend(
  hooks: Partial<BackendDefinition<State>> = {},
): BackendDefinition<State> & { cleanedStates: State[] } {
  const cleanedStates: State[] = []
  return {
    ...defineBackend<State>({
      kind: 'secret',
      help: 'A backend for testing the framework.',
      paths,
      specialPaths: { unauthenticated: ['login', 'public/*'], root: ['config/root'] },
      setup: () => ({ setups: 1, cleaned: false }),
      cleanup: (state) => {
        cleanedStates.push(state)
      },
      ...hooks,
    }),
    cleanedStates,
  }
}

const opened: BackendHarness[] = []
after(async () => {
  for (const h of opened) await h.close()
})

async function make(hooks: Partial<BackendDefinition<State>> = {}, storage: 'memory' | 'sqlite' = 'memory') {
  const h = await makeBackend(testBackend(hooks), { storage, mount: { type: 'test' } })
  opened.push(h)
  return h
}

describe('BackendInstance: routing and dispatch', () => {
  it('dispatches each operation to its handler with coerced input, path captures and setup state', async () => {
    const h = await make()
    const res = await h.call('read', 'items/a', { ttl: '1h', enabled: '1', tags: 'x,y', name: 'ignored' })
    assert.deepEqual(res?.data, {
      handler: 'item-read',
      operation: 'read',
      // A capture that names a declared field overrides the body, as Vault's FieldData prefers URL captures.
      input: { name: 'a', ttl: 3600, enabled: true, tags: ['x', 'y'] },
      params: { name: 'a' },
      state: { setups: 1, cleaned: false },
    })
    assert.equal((await h.call('delete', 'items/a'))?.data?.['handler'], 'item-delete')
  })

  it('a path asked for again is routed the same, its captures shared frozen, and the request data never changed', async () => {
    const h = await make()
    const data = { ttl: '1h' }
    const first = await h.call('read', 'items/a', data)
    const again = await h.call('read', 'items/a', data)
    assert.deepEqual(again?.data, first?.data)
    assert.deepEqual(data, { ttl: '1h' }, 'the capture went into a copy, not the caller’s data')
    const params = again?.data?.['params'] as Record<string, string>
    assert.equal(Object.isFrozen(params), true)
    assert.throws(() => {
      params['name'] = 'b'
    }, TypeError)
    assert.deepEqual((await h.call('read', 'items/a'))?.data?.['params'], { name: 'a' })
    // An unknown path stays unknown when asked again, a path too long to be remembered routes all the same, and
    // more distinct paths than the memory holds still route.
    assert.equal((await failure(() => h.call('read', 'nothing/here'))).status, 404)
    assert.equal((await failure(() => h.call('read', 'nothing/here'))).status, 404)
    const remembered = h.instance.rememberedPaths
    const long = `a/${'b'.repeat(600)}`
    for (let i = 0; i < 2; i++)
      assert.deepEqual((await h.call('read', `files/${long}`))?.data?.['params'], { path: long })
    // Neither the unknown path nor the long one is kept: what clients send cannot grow the memory past its bound.
    assert.equal(h.instance.rememberedPaths, remembered)
    for (let i = 0; i < 5000; i++) {
      const res = await h.call('read', `items/n${i}`)
      assert.deepEqual(res?.data?.['params'], { name: `n${i}` })
    }
    assert.equal((await h.call('read', 'items/special'))?.data?.['handler'], 'special')
    assert.ok(h.instance.rememberedPaths <= 4096, `${h.instance.rememberedPaths} paths remembered`)
  })

  it('puts a capture in with the declared fields only, never copying the rest of a request body', async () => {
    const h = await make()
    // A body of many keys besides the fields (a hostile one has a million): a copy would read every value. Only
    // their names are listed, once, for the ignored-parameters warning.
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`junk${i}`, i]))
    let junkRead = 0
    const data = new Proxy(
      { ...many, ttl: '1h', tags: 'a,b' },
      {
        get: (target, key, receiver) => {
          if (typeof key === 'string' && key.startsWith('junk')) junkRead++
          return Reflect.get(target, key, receiver)
        },
      },
    )
    const res = await h.call('read', 'items/a', data)
    assert.deepEqual(res?.data?.['input'], { name: 'a', ttl: 3600, enabled: undefined, tags: ['a', 'b'] })
    assert.equal(junkRead, 0, 'no value outside the declared fields was read')
  })

  it('remembers the paths it reads, not the ones it writes (usually a new one each time)', async () => {
    const h = await make()
    const before = h.instance.rememberedPaths
    for (let i = 0; i < 20; i++) await h.call('update', `items/w${i}`, { ttl: '1h' })
    assert.equal(h.instance.rememberedPaths, before)
    assert.deepEqual((await h.call('read', 'items/w3'))?.data?.['params'], { name: 'w3' })
    assert.equal(h.instance.rememberedPaths, before + 1)
  })

  it('a static path beats a parameter declared before it', async () => {
    const h = await make()
    assert.equal((await h.call('read', 'items/special'))?.data?.['handler'], 'special')
    assert.equal((await h.call('read', 'items/other'))?.data?.['handler'], 'item-read')
  })

  it('routes a LIST of a folder and its optional trailing slash, and the rest-wildcard with its capture', async () => {
    const h = await make()
    assert.equal((await h.call('list', 'items/'))?.data?.['handler'], 'item-list')
    assert.equal((await h.call('list', 'items'))?.data?.['handler'], 'item-list')
    assert.deepEqual((await h.call('list', 'files/a/b/'))?.data?.['params'], { path: 'a/b/' })
    assert.deepEqual((await h.call('list', 'files/'))?.data?.['params'], { path: '' })
  })

  it('an unknown path is a 404 and an undeclared operation a 405, as Vault’s logical.ErrUnsupportedPath/Operation', async () => {
    const h = await make()
    assert.deepEqual(await failure(() => h.call('read', 'nothing/here')), {
      status: 404,
      message: 'unsupported path',
    })
    assert.deepEqual(await failure(() => h.call('list', 'items/a')), {
      status: 405,
      message: 'unsupported operation',
    })
    assert.equal((await failure(() => h.call('patch', 'items/special'))).status, 405)
  })

  it('create and update share the one handler a path declares; a path with both keeps them apart', async () => {
    // Vault's framework runs the update callback for a create when no create callback exists.
    const h = await make()
    assert.equal((await h.call('create', 'only-update'))?.data?.['handler'], 'only-update')
    assert.equal((await h.call('update', 'only-create'))?.data?.['handler'], 'only-create')
    assert.equal((await h.call('create', 'both'))?.data?.['handler'], 'c')
    assert.equal((await h.call('update', 'both'))?.data?.['handler'], 'u')
  })

  it('a refused field value is a 400 before the handler runs', async () => {
    const h = await make()
    assert.deepEqual(await failure(() => h.call('update', 'items/a', { ttl: 'soon' })), {
      status: 400,
      message: 'invalid value for "ttl": cannot parse "soon" as a duration',
    })
    assert.equal(await h.exists('items/a'), false, 'nothing was written')
  })
})

describe('BackendInstance: unrecognised parameters', () => {
  const WARNING = 'Endpoint ignored these unrecognized parameters: [extra other]'

  it('warns about body keys no field declares, in Vault’s words, keeping the handler’s own warnings', async () => {
    const h = await make()
    assert.deepEqual(await h.call('update', 'warned', { known: 'k', extra: 1, other: 2 }), {
      data: {},
      warnings: ['own warning', WARNING],
    })
    assert.equal(
      await h.call('update', 'warned', { known: 'quiet', other: 2, extra: 1 }),
      undefined,
      'Vault warns in a response only: a handler answering nothing still answers nothing (204)',
    )
  })

  it('lists the ignored names sorted, and warns when a path capture replaced a body value, as Vault does', async () => {
    const h = await make()
    assert.deepEqual((await h.call('update', 'warned', { other: 2, known: 'k', extra: 1 }))?.warnings, [
      'own warning',
      WARNING,
    ])
    assert.deepEqual((await h.call('delete', 'items/a', { name: 'b' }))?.warnings, [
      "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
    ])
    assert.equal((await h.call('delete', 'items/a', { name: null }))?.warnings, undefined)
  })

  it('warns on reads too (Vault hands GET query parameters to the path as its data)', async () => {
    const h = await make()
    assert.deepEqual((await h.call('read', 'items/a', { extra: '1' }))?.warnings, [
      'Endpoint ignored these unrecognized parameters: [extra]',
    ])
  })

  it('does not warn on paths that declare no fields or accept any data', async () => {
    const h = await make()
    assert.equal((await h.call('list', 'items/', { extra: 1 }))?.warnings, undefined)
    assert.equal((await h.call('update', 'anything', { extra: 1 }))?.warnings, undefined)
  })
})

describe('BackendInstance: existence check', () => {
  it('asks the path’s check, so core can tell a create from an update (Vault’s ExistenceCheck)', async () => {
    const h = await make({}, 'sqlite')
    assert.equal(await h.exists('items/a'), false)
    await h.call('update', 'items/a', { ttl: 60 })
    assert.equal(await h.exists('items/a'), true)
    assert.deepEqual(
      await getJson(h.storage, 'items/a'),
      { name: 'a', ttl: 60 },
      'stored through the barrier',
    )
  })

  it('without a check: false when only create is declared, undefined ("treat as update") otherwise', async () => {
    const h = await make()
    assert.equal(await h.exists('only-create'), false)
    assert.equal(await h.exists('only-update'), undefined)
    assert.equal(await h.exists('both'), undefined)
    assert.equal(await h.exists('nothing/here'), undefined, 'an unknown path has no answer; handle() 404s')
  })
})

describe('BackendInstance: declarations', () => {
  it('matches special paths exactly, or by prefix when the entry ends in *', async () => {
    const h = await make()
    assert.equal(h.instance.isSpecial('unauthenticated', 'login'), true)
    assert.equal(h.instance.isSpecial('unauthenticated', 'login/x'), false)
    assert.equal(h.instance.isSpecial('unauthenticated', 'public/'), true)
    assert.equal(h.instance.isSpecial('unauthenticated', 'public/a/b'), true)
    assert.equal(h.instance.isSpecial('unauthenticated', 'publicity'), false)
    assert.equal(h.instance.isSpecial('root', 'config/root'), true)
    assert.equal(h.instance.isSpecial('root', 'login'), false)
  })

  it('reports the declared listKeys of a path, and "paths" (the filtered kind) when undeclared', async () => {
    const h = await make()
    assert.equal(h.instance.listKeys('items/'), 'names')
    assert.equal(h.instance.listKeys('items'), 'names')
    assert.equal(h.instance.listKeys('files/x/'), 'paths')
    assert.equal(h.instance.listKeys('nothing/here'), 'paths')
  })

  it('gives each path’s declaration and help, in the order matching tries them', async () => {
    const h = await make()
    assert.equal(h.instance.definition.help, 'A backend for testing the framework.')
    assert.equal(h.instance.declarationFor('items/special')?.help, 'The special item.')
    assert.equal(h.instance.declarationFor('items/x')?.help, 'One item.')
    assert.equal(h.instance.declarationFor('nothing/here'), undefined)
    const order = h.instance.pathDefinitions.map((p) => p.pattern)
    assert.ok(order.indexOf('items/special') < order.indexOf('items/:name'))
    assert.ok(order.indexOf('items/:name') < order.indexOf('items/'), 'a longer pattern is tried first')
  })

  it('chooses its paths from the mount when paths is a function (KV serves v1 or v2 by its version option)', async () => {
    const chosen = defineBackend<unknown>({
      kind: 'secret',
      help: 'versioned',
      paths: (env) => [
        definePath({
          pattern: env.system.mount.options['version'] === '2' ? 'data/*path' : '*path',
          operations: { read: echo('r') },
        }),
      ],
    })
    const v1 = await makeBackend(chosen, { storage: 'memory' })
    const v2 = await makeBackend(chosen, { storage: 'memory', mount: { options: { version: '2' } } })
    assert.deepEqual(
      v1.instance.pathDefinitions.map((p) => p.pattern),
      ['*path'],
    )
    assert.deepEqual(
      v2.instance.pathDefinitions.map((p) => p.pattern),
      ['data/*path'],
    )
  })
})

describe('BackendInstance: lifecycle hooks', () => {
  it('runs setup once per instance and hands cleanup the same state', async () => {
    const def = testBackend()
    const h = await makeBackend(def, { storage: 'memory' })
    const state = h.instance.state
    await h.close()
    assert.equal(def.cleanedStates.length, 1)
    assert.equal(def.cleanedStates[0], state)
  })

  it('runs the periodic hook with storage, system and state; a run still going makes the next one a no-op', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const runs: string[] = []
    const h = await make({
      periodic: async ({ storage, system, state }) => {
        runs.push(`${system.mount.type}:${state.setups}`)
        await storage.put('ran', new Uint8Array([1]))
        await gate
      },
    })
    const first = h.periodic()
    await h.periodic()
    assert.deepEqual(runs, ['test:1'], 'the overlapping run was skipped, not queued')
    release()
    await first
    await h.periodic()
    assert.equal(runs.length, 2, 'the next run after the first finished goes ahead')
    assert.ok(await h.storage.get('ran'))
  })

  it('a periodic hook that throws releases the guard, so the next tick runs again', async () => {
    let calls = 0
    const h = await make({
      periodic: async () => {
        calls += 1
        throw new Error('upstream down')
      },
    })
    await assert.rejects(h.periodic(), /upstream down/)
    await assert.rejects(h.periodic(), /upstream down/)
    assert.equal(calls, 2)
  })

  it('without hooks: periodic does nothing, no stored values, renewals unchecked, nobody locked', async () => {
    const h = await make()
    await h.periodic()
    const values = []
    for await (const value of h.instance.storedValues()) values.push(value)
    assert.deepEqual(values, [])
    assert.equal(await h.instance.renewLogin({ internal: {}, policies: [] }), undefined)
    assert.deepEqual(await h.instance.lockedUsers(), [])
    assert.equal(await h.instance.unlockUser('anyone'), false)
    assert.equal(h.instance.secret('creds'), undefined)
  })

  it('hands secrets’ revoke and renew, and renewLogin, the storage, system and state', async () => {
    const seen: string[] = []
    const h = await make({
      secrets: [
        {
          type: 'creds',
          revoke: async ({ state }, internal) => {
            seen.push(`revoke ${internal['user']} ${state.setups}`)
          },
          renew: async ({ system }, internal, lease) => {
            seen.push(`renew ${internal['user']} ${lease.increment}`)
            return { ttl: Math.min(lease.increment, system.maxLeaseTtl) }
          },
        },
      ],
      renewLogin: async (_ctx, { policies }) => (policies.includes('short') ? { tokenTtl: 60 } : undefined),
    })
    await h.revoke('creds', { user: 'u1' })
    assert.deepEqual(await h.renew('creds', { user: 'u1' }, { ttl: 10, increment: 99_999_999 }), {
      ttl: h.system.maxLeaseTtl,
    })
    assert.deepEqual(seen, ['revoke u1 1', 'renew u1 99999999'])
    assert.deepEqual(await h.instance.renewLogin({ internal: {}, policies: ['short'] }), { tokenTtl: 60 })
  })
})

describe('backend harness', () => {
  it('moves only by hand, and a restart keeps storage, clock and lockout but runs setup afresh', async () => {
    const h = await make({}, 'sqlite')
    const start = h.system.now()
    h.tick(5_000)
    assert.equal(h.system.now(), start + 5_000)
    h.lockout.threshold = 2
    await h.call('update', 'items/kept', {})
    const restarted = await h.restart()
    assert.notEqual(restarted.instance, h.instance)
    assert.equal(restarted.instance.state === h.instance.state, false)
    assert.equal(await restarted.exists('items/kept'), true)
    assert.equal(restarted.system.now(), start + 5_000)
    assert.equal(restarted.system.userLockout?.threshold, 2)
    await restarted.close()
  })

  it('names the mount by kind: <type>/ for a secret engine, auth/<type>/ for an auth method', async () => {
    const h = await make()
    assert.equal(h.system.mount.path, 'test/')
    assert.equal(h.request('read', 'x').mountPath, 'test/')
    const auth = await makeBackend(defineBackend({ kind: 'auth', help: 'a', paths: [] }), {
      storage: 'memory',
      mount: { type: 'userpass' },
    })
    assert.equal(auth.system.mount.path, 'auth/userpass/')
    assert.equal(auth.system.mount.accessor, 'auth_userpass_0001')
  })
})
