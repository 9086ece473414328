// The KV engine's stored values for the leak index: which versions and fields are reported, under which path.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StoredValue } from '../../../sdk/framework/backend.ts'
import { makeKv } from './test-helpers.ts'

async function collect(values: AsyncIterable<StoredValue>): Promise<string[]> {
  const out: string[] = []
  for await (const v of values)
    out.push(`${v.path}#${v.field}${v.version ? ` v${v.version}` : ''}=${v.value}`)
  return out.sort()
}

describe('KV stored values', () => {
  it('v2: every kept version that is neither deleted nor destroyed, string fields only', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/prod/db', {
      data: { password: 'first-pass', port: 5432, nested: { a: 'x' } },
    })
    await kv.call('update', 'data/prod/db', { data: { password: 'second-pass', user: 'app' } })
    await kv.call('update', 'data/prod/db', { data: { password: 'third-pass', user: '' } })
    await kv.call('update', 'data/other', { data: { token: 'tok-1' } })
    await kv.call('update', 'destroy/prod/db', { versions: [1] })
    await kv.call('delete', 'data/other')
    assert.deepEqual(await collect(kv.instance.storedValues()), [
      'secret/data/prod/db#password v2=second-pass',
      'secret/data/prod/db#password v3=third-pass',
      'secret/data/prod/db#user v2=app',
    ])
  })

  it('v2: versions pruned by max_versions are gone', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { max_versions: 2 })
    for (const value of ['a1', 'a2', 'a3']) await kv.call('update', 'data/k', { data: { v: value } })
    assert.deepEqual(await collect(kv.instance.storedValues()), [
      'secret/data/k#v v2=a2',
      'secret/data/k#v v3=a3',
    ])
  })

  it('v1: current values under the mount path, nested keys included', async () => {
    const kv = await makeKv()
    await kv.call('update', 'app/db', { password: 'pw-1', ttl: 60 })
    await kv.call('update', 'top', { key: 'k-1' })
    assert.deepEqual(await collect(kv.instance.storedValues()), [
      'secret/app/db#password=pw-1',
      'secret/top#key=k-1',
    ])
  })
})
