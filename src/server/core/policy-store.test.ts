// The policy store on SQLite: a write or delete that returned governs every ACL built afterwards, even one that raced it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type Storage, storageView } from '../../sdk/storage.ts'
import { SqliteStorage } from '../physical/sqlite.ts'
import type { TemplateIdentity } from '../policy/template.ts'
import { PolicyStore } from './policy-store.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-policy-store-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

const grant = (path: string, caps = '"read"') => `path "${path}" { capabilities = [${caps}] }`

/**
 * SQLite reads are synchronous, so a read can only overlap a write where storage reads are real await gaps
 * (PostgreSQL). This view lets a test hold reads of one key after they have read, to make that overlap certain.
 */
function heldReads(inner: Storage) {
  let gate: Promise<void> | undefined
  let open: () => void = () => {}
  const storage: Storage = {
    get: async (key) => {
      const value = await inner.get(key)
      if (gate) await gate
      return value
    },
    put: (key, value) => inner.put(key, value),
    delete: (key) => inner.delete(key),
    list: (prefix) => inner.list(prefix),
    batch: (ops) => inner.batch(ops),
  }
  return {
    storage,
    hold: () => {
      gate = new Promise((resolve) => {
        open = resolve
      })
    },
    release: () => {
      gate = undefined
      open()
    },
  }
}

async function openStore(wrap = false) {
  const physical = SqliteStorage.open(join(root, `db-${++counter}`, 'coffer.db'))
  const view = storageView(physical, 'sys/policy/')
  const held = heldReads(view)
  const store = new PolicyStore(wrap ? held.storage : view)
  await store.load()
  const can = async (names: string[], path: string) =>
    (await store.acl(names)).authorize({ path, operation: 'read' }).allowed
  return { store, held, can, close: () => physical.close() }
}

describe('policy store', () => {
  it('a token loses a grant as soon as the policy is rewritten or deleted', async () => {
    const { store, can, close } = await openStore()
    await store.write('app', `${grant('secret/a')}\n${grant('secret/b')}`)
    assert.equal(await can(['app'], 'secret/b'), true)
    await store.write('app', grant('secret/a'))
    assert.equal(await can(['app'], 'secret/b'), false, 'the removed path is no longer granted')
    assert.equal(await can(['app'], 'secret/a'), true)
    await store.delete('app')
    assert.equal(await can(['app'], 'secret/a'), false, 'a deleted policy grants nothing')
    assert.equal((await store.policiesFor(['app'])).length, 0)
    await close()
  })

  it('an ACL built from a read that overlapped a write is not cached past the write', async () => {
    const { store, held, can, close } = await openStore(true)
    await store.write('app', grant('secret/old'))
    await store.load() // as after an unseal: nothing parsed yet, so the next ACL reads storage
    held.hold()
    const racing = can(['app'], 'secret/old') // reads the old text, then waits
    await store.write('app', grant('secret/new'))
    held.release()
    assert.equal(await racing, true, 'the request that started first may see the old text')
    assert.equal(await can(['app'], 'secret/old'), false, 'a request after the write must not')
    assert.equal(await can(['app'], 'secret/new'), true)
    await store.load()
    held.hold()
    const racingDelete = can(['app'], 'secret/new')
    await store.delete('app')
    held.release()
    await racingDelete
    assert.equal(await can(['app'], 'secret/new'), false, 'nor after a delete')
    await close()
  })

  it('an ACL filled from identity resolved before an identity change is not cached past the change', async () => {
    const { store, close } = await openStore()
    await store.write('tpl', grant('secret/n-{{identity.entity.name}}'))
    const named = (name: string): TemplateIdentity => ({
      entity: { id: 'e1', name, metadata: {}, aliases: [] },
      groups: [],
    })
    const names = ['tpl']
    const allows = (
      acl: { authorize: (r: { path: string; operation: 'read' }) => { allowed: boolean } },
      path: string,
    ) => acl.authorize({ path, operation: 'read' }).allowed
    const before = named('old')
    assert.equal(allows(await store.acl(names, before), 'secret/n-old'), true)
    // A request resolved the entity (still named "old"), then the rename was stored and announced...
    store.forgetTemplatedAcls()
    // ...and only then did that request build its ACL: it may act on what it resolved, but not cache it.
    assert.equal(allows(await store.acl(names, named('old')), 'secret/n-old'), true)
    const after = named('new')
    const acl = store.cachedAcl(names, after) ?? (await store.acl(names, after))
    assert.equal(allows(acl, 'secret/n-old'), false, 'a request after the rename must not use the old name')
    assert.equal(allows(acl, 'secret/n-new'), true)
    await close()
  })

  it('under many concurrent authorisations, every one that starts after a write returned sees it', async () => {
    const { store, can, close } = await openStore()
    await store.write('app', grant('secret/v0'))
    const late: Promise<boolean>[] = []
    const early: Promise<boolean>[] = []
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        early.push(can(['app', 'default'], `secret/v${i}`))
        return store.write('app', grant(`secret/v${i + 1}`)).then(() => {
          // Only the last write's text may be seen from here on, once every write has returned.
          late.push(can(['app', 'default'], `secret/v${i + 1}`))
        })
      }),
    )
    await Promise.all([...early, ...late])
    const finalText = await store.read('app')
    const last = /secret\/v(\d+)/.exec(finalText ?? '')![1]
    for (let i = 0; i <= 20; i++)
      assert.equal(await can(['app', 'default'], `secret/v${i}`), String(i) === last, `secret/v${i}`)
    await close()
  })
})
