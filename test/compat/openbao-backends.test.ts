// OpenBao's builtin backend unit tests (kv, approle, userpass, transit) replayed over HTTP: each `it` names the Go test.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

const metadataKeys = ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']

let mounts = 0
/** A fresh mount of `type` (with `options`) so each replay starts from an empty backend, as the Go tests do. */
async function mount(t: TestServer, type: string, options?: Record<string, string>): Promise<string> {
  const path = `${type}${++mounts}`
  const res = await t.call('POST', `sys/mounts/${path}`, { body: { type, ...(options ? { options } : {}) } })
  assert.equal(res.status, 204, JSON.stringify(res.body))
  return path
}

describe('openbao backends: kv v2', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
  })
  after(() => t.close())
  const kv = async () => mount(t, 'kv', { version: '2' })

  it('TestVersionedKV_Data_Put: the write answers the version summary with the custom metadata; cas 1 makes version 2', async () => {
    const m = await kv()
    const custom = { foo: 'abc', bar: 'def' }
    assert.equal(
      (await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: custom } })).status,
      204,
    )
    let res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body.data).sort(), metadataKeys)
    assert.equal(res.body.data.version, 1)
    assert.deepEqual(res.body.data.custom_metadata, custom)
    res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' }, options: { cas: 1 } } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body.data).sort(), metadataKeys)
    assert.equal(res.body.data.version, 2)
    assert.deepEqual(res.body.data.custom_metadata, custom)
  })

  it('TestVersionedKV_Data_Put_ZeroCas: cas 0 creates once, then is refused', async () => {
    const m = await kv()
    const body = { data: { bar: 'baz' }, options: { cas: 0 } }
    assert.equal((await t.call('POST', `${m}/data/foo`, { body })).status, 200)
    const res = await t.call('POST', `${m}/data/foo`, { body })
    assert.equal(res.status, 400)
    assert.match(res.body.errors.join(), /check-and-set parameter did not match/)
  })

  it('TestVersionedKV_Data_Get: absent is a bare 404; a read carries data and the metadata of the version', async () => {
    const m = await kv()
    const absent = await t.call('GET', `${m}/data/foo`)
    assert.equal(absent.status, 404)
    assert.deepEqual(absent.body, { errors: [] })
    const custom = { foo: 'abc', bar: 'def' }
    await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: custom } })
    assert.equal(
      (await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })).body.data.version,
      1,
    )
    const res = await t.call('GET', `${m}/data/foo`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.data, { bar: 'baz' })
    assert.deepEqual(Object.keys(res.body.data.metadata).sort(), metadataKeys)
    assert.equal(res.body.data.metadata.version, 1)
    assert.equal(Date.parse(res.body.data.metadata.created_time), clock.now())
    assert.deepEqual(res.body.data.metadata.custom_metadata, custom)
  })

  it('TestVersionedKV_Data_Delete: a read of the deleted version is a 404 carrying its metadata with deletion_time', async () => {
    const m = await kv()
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
    assert.equal((await t.call('DELETE', `${m}/data/foo`)).status, 204)
    const res = await t.call('GET', `${m}/data/foo`)
    assert.equal(res.status, 404)
    assert.equal(res.body.data.metadata.version, 1)
    assert.equal(Date.parse(res.body.data.metadata.deletion_time), clock.now())
  })

  for (const op of ['POST', 'PATCH'] as const) {
    it(`TestVersionedKV_Data_${op === 'POST' ? 'Put' : 'Patch'}_CleanupOldVersions: lowering max_versions prunes on the next write`, async () => {
      const m = await kv()
      for (let i = 1; i <= 10; i++) {
        const res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
        assert.equal(res.body.data.version, i)
      }
      assert.equal((await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 2 } })).status, 204)
      const res = await t.call(op, `${m}/data/foo`, {
        body: { data: { bar: 'baz' } },
        ...(op === 'PATCH' ? { headers: { 'content-type': 'application/merge-patch+json' } } : {}),
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.data.version, 11)
      const meta = await t.call('GET', `${m}/metadata/foo`)
      assert.deepEqual(Object.keys(meta.body.data.versions).sort(), ['10', '11'])
      assert.equal(meta.body.data.oldest_version, 10)
      for (let v = 1; v <= 9; v++) {
        assert.equal((await t.call('GET', `${m}/data/foo?version=${v}`)).status, 404)
      }
    })
  }

  it('TestVersionedKV_Patch_NotFound: a patch of an absent secret, or of metadata with no data, is a 404', async () => {
    const m = await kv()
    const patch = () =>
      t.call('PATCH', `${m}/data/foo`, {
        body: { data: { bar: 'baz' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      })
    assert.equal((await patch()).status, 404)
    assert.equal((await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 5 } })).status, 204)
    assert.equal((await patch()).status, 404)
  })

  it('TestVersionedKV_Patch_CASValidation: with cas_required a patch needs cas, and a stale one is refused', async () => {
    const m = await kv()
    assert.equal((await t.call('POST', `${m}/config`, { body: { cas_required: true } })).status, 204)
    const made = await t.call('POST', `${m}/data/foo`, {
      body: { data: { bar: 'baz' }, options: { cas: 0 } },
    })
    assert.equal(made.body.data.version, 1)
    const headers = { 'content-type': 'application/merge-patch+json' }
    let res = await t.call('PATCH', `${m}/data/foo`, { body: { data: { bar: 'baz1' } }, headers })
    assert.equal(res.status, 400)
    assert.match(res.body.errors.join(), /check-and-set parameter required for this call/)
    res = await t.call('PATCH', `${m}/data/foo`, {
      body: { data: { bar: 'baz1' }, options: { cas: 2 } },
      headers,
    })
    assert.equal(res.status, 400)
    assert.match(res.body.errors.join(), /check-and-set parameter did not match/)
  })

  it('TestVersionedKV_Patch_NoData: a patch with no body is refused with "no data provided"', async () => {
    const m = await kv()
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
    const res = await t.call('PATCH', `${m}/data/foo`, {
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.match(res.body.errors.join(), /no data provided/)
  })

  it('TestVersionedKV_Patch_Success: a patch merges nested objects and replaces arrays', async () => {
    const m = await kv()
    await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: { foo: 'abc', bar: 'def' } } })
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz', quux: { quuz: ['1', '2', '3'] } } } })
    const res = await t.call('PATCH', `${m}/data/foo`, {
      body: { data: { abc: 123, quux: { def: 456, quuz: ['1', '2', '3', '4'] } }, options: { cas: 1 } },
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body.data).sort(), metadataKeys)
    assert.equal(res.body.data.version, 2)
    const read = await t.call('GET', `${m}/data/foo`)
    assert.deepEqual(read.body.data.data, {
      bar: 'baz',
      abc: 123,
      quux: { def: 456, quuz: ['1', '2', '3', '4'] },
    })
  })

  for (const how of ['Deleted', 'Destroyed'] as const) {
    it(`TestVersionedKV_Patch_CurrentVersion${how}: a patch of a ${how.toLowerCase()} current version is a 404 with the version summary`, async () => {
      const m = await kv()
      await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
      if (how === 'Deleted') assert.equal((await t.call('DELETE', `${m}/data/foo`)).status, 204)
      else assert.equal((await t.call('POST', `${m}/destroy/foo`, { body: { versions: [1] } })).status, 204)
      const read = await t.call('GET', `${m}/data/foo`)
      assert.equal(read.status, 404)
      if (how === 'Deleted') assert.notEqual(read.body.data.metadata.deletion_time, '')
      else assert.equal(read.body.data.metadata.destroyed, true)
      const res = await t.call('PATCH', `${m}/data/foo`, {
        body: { data: { bar: 'baz' }, quux: 'quuz' },
        headers: { 'content-type': 'application/merge-patch+json' },
      })
      assert.equal(res.status, 404)
      assert.equal(res.body.data.version, 1)
      if (how === 'Deleted') assert.notEqual(res.body.data.deletion_time, '')
      else assert.equal(res.body.data.destroyed, true)
    })
  }

  it('TestVersionedKV_Metadata_Put: max_versions, cas_required, delete_version_after and custom_metadata round-trip and govern writes', async () => {
    const m = await kv()
    const custom = { foo: 'abc', bar: '123' }
    let res = await t.call('POST', `${m}/metadata/foo`, {
      body: { max_versions: 2, cas_required: true, delete_version_after: '5m0s', custom_metadata: custom },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    res = await t.call('GET', `${m}/metadata/foo`)
    assert.equal(res.body.data.max_versions, 2)
    assert.equal(res.body.data.cas_required, true)
    assert.equal(res.body.data.delete_version_after, '5m0s')
    assert.deepEqual(res.body.data.custom_metadata, custom)
    res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' } } })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, ['check-and-set parameter required for this call'])
    for (let cas = 0; cas < 3; cas++) {
      res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' }, options: { cas } } })
      assert.equal(res.body.data.version, cas + 1)
    }
    res = await t.call('GET', `${m}/metadata/foo`)
    assert.equal(res.body.data.current_version, 3)
    assert.equal(res.body.data.oldest_version, 2)
    assert.deepEqual(Object.keys(res.body.data.versions).sort(), ['2', '3'])
    assert.equal(
      (await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 1, cas_required: false } })).status,
      204,
    )
    res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' } } })
    assert.equal(res.body.data.version, 4)
    res = await t.call('GET', `${m}/metadata/foo`)
    assert.equal(res.body.data.current_version, 4)
    assert.equal(res.body.data.oldest_version, 4)
    assert.deepEqual(Object.keys(res.body.data.versions), ['4'])
  })

  it('TestVersionedKV_Metadata_Delete: deleting the metadata removes every version', async () => {
    const m = await kv()
    for (let i = 0; i <= 5; i++) {
      const res = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: `baz${i}` } } })
      assert.equal(res.body.data.version, i + 1)
    }
    assert.equal((await t.call('DELETE', `${m}/metadata/foo`)).status, 204)
    assert.deepEqual(await t.call('GET', `${m}/data/foo`).then((r) => [r.status, r.body]), [
      404,
      { errors: [] },
    ])
    assert.equal((await t.call('GET', `${m}/metadata/foo`)).status, 404)
    for (let v = 1; v <= 6; v++) assert.equal((await t.call('GET', `${m}/data/foo?version=${v}`)).status, 404)
  })

  it('TestVersionedKV_Metadata_Put_Bad_CustomMetadata: every bad key and value is named in one error, and nothing is stored', async () => {
    const m = await kv()
    const longKey = 'a'.repeat(129)
    const unprintable = 'unprint\u200bable'
    const custom = {
      long_value: 'a'.repeat(513),
      [longKey]: 'abc123',
      '': 'abc123',
      empty_value: '',
      [unprintable]: 'abc123',
      unprintable: unprintable,
    }
    let res = await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: custom } })
    assert.equal(res.status, 400)
    const error = res.body.errors.join('\n') as string
    assert.match(error, /6 errors occurred/)
    assert.ok(error.includes(`length of key "${longKey}" is 129`), error)
    assert.ok(error.includes('length of value for key "long_value" is 513'), error)
    assert.ok(error.includes('length of key "" is 0'), error)
    assert.ok(error.includes('length of value for key "empty_value" is 0'), error)
    assert.ok(error.includes(`key "unprint\\u200bable" (${unprintable}) contains unprintable`), error)
    assert.ok(error.includes('key "unprintable" contains unprintable'), error)
    assert.equal((await t.call('GET', `${m}/metadata/foo`)).status, 404)
    res = await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: { foo: { bar: 'baz' } } } })
    assert.equal(res.status, 400)
    // Vault says mapstructure's "got unconvertible type"; Coffer names the types a value may have.
    assert.match(res.body.errors.join(), /value for key "foo" must be a string, number or boolean/)
  })

  it('TestVersionedKV_Metadata_Put_Bad_CustomMetadata (quoting): an unprintable key is named Go-quoted, then as sent', async () => {
    const m = await kv()
    const unprintable = 'unprint\u200bable'
    const res = await t.call('POST', `${m}/metadata/foo`, {
      body: { custom_metadata: { [unprintable]: 'abc123' } },
    })
    assert.equal(res.status, 400)
    assert.ok(
      res.body.errors[0].includes(
        `key "unprint\\u200bable" (${unprintable}) contains unprintable characters`,
      ),
      res.body.errors[0],
    )
  })

  it('TestVersionedKv_Metadata_Put_Too_Many_CustomMetadata_Keys: 65 keys are refused', async () => {
    const m = await kv()
    const custom = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [String(i), String(i)]))
    const res = await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: custom } })
    assert.equal(res.status, 400)
    assert.match(res.body.errors.join(), /1 error occurred/)
    assert.match(res.body.errors.join(), /payload must contain at most 64 keys, provided 65/)
    assert.equal((await t.call('GET', `${m}/metadata/foo`)).status, 404)
  })

  it('TestVersionedKV_Metadata_Put_Empty_CustomMetadata: an empty custom_metadata reads back as null, as does one patched empty', async () => {
    const m = await kv()
    assert.equal((await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: {} } })).status, 204)
    assert.equal((await t.call('GET', `${m}/metadata/foo`)).body.data.custom_metadata, null)
    await t.call('POST', `${m}/metadata/bar`, { body: { custom_metadata: { a: 'b' } } })
    const patched = await t.call('PATCH', `${m}/metadata/bar`, {
      body: { custom_metadata: { a: null } },
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.ok(patched.status < 300, JSON.stringify(patched.body))
    assert.equal((await t.call('GET', `${m}/metadata/bar`)).body.data.custom_metadata, null)
    const written = await t.call('POST', `${m}/data/bar`, { body: { data: { x: 1 } } })
    assert.equal(written.body.data.custom_metadata, null)
  })

  it('TestVersionedKV_Metadata_Put_Merge_Behavior: a metadata write changes only the fields it names', async () => {
    const m = await kv()
    const read = async () => (await t.call('GET', `${m}/metadata/foo`)).body.data
    await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 5, cas_required: true } })
    let d = await read()
    assert.deepEqual([d.max_versions, d.cas_required, d.custom_metadata], [5, true, null])
    await t.call('POST', `${m}/metadata/foo`, {
      body: { cas_required: false, custom_metadata: { foo: 'abc', bar: '123' } },
    })
    d = await read()
    assert.deepEqual(
      [d.max_versions, d.cas_required, d.custom_metadata],
      [5, false, { foo: 'abc', bar: '123' }],
    )
    await t.call('POST', `${m}/metadata/foo`, { body: { custom_metadata: { baz: 'abc123' } } })
    d = await read()
    assert.deepEqual([d.max_versions, d.cas_required, d.custom_metadata], [5, false, { baz: 'abc123' }])
    await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 20 } })
    d = await read()
    assert.deepEqual([d.max_versions, d.custom_metadata], [20, { baz: 'abc123' }])
  })

  it('TestVersionedKV_Metadata_Patch_MissingPath and _NotFound: a patch needs a path and an existing entry', async () => {
    const m = await kv()
    const headers = { 'content-type': 'application/merge-patch+json' }
    const missing = await t.call('PATCH', `${m}/metadata/`, { body: { cas_required: true }, headers })
    assert.equal(missing.status, 400, JSON.stringify(missing.body))
    assert.match(missing.body.errors.join(), /missing path/)
    assert.equal(
      (await t.call('PATCH', `${m}/metadata/foo`, { body: { cas_required: true }, headers })).status,
      404,
    )
  })

  it('TestVersionedKV_Metadata_Patch_Validation: bad fields in a metadata patch are refused with the named reason', async () => {
    const m = await kv()
    const long = 'a'.repeat(129)
    const cases: [string, Record<string, unknown>, string][] = [
      // Vault: 'Field validation failed: error converting input ...'; Coffer names the field and the type wanted.
      ['field_conversion_error', { max_versions: [1, 2, 3] }, 'invalid value for "max_versions"'],
      ['empty_key', { custom_metadata: { '': 'foo' } }, 'length of key "" is 0'],
      [
        'unprintable_key',
        { custom_metadata: { 'unprint\u200bable': 'foo' } },
        'contains unprintable characters',
      ],
      [
        'unprintable_value',
        { custom_metadata: { foo: 'unprint\u200bable' } },
        'value for key "foo" contains unprintable characters',
      ],
      ['key_too_long', { custom_metadata: { [long]: 'foo' } }, `length of key "${long}" is 129`],
      [
        'value_too_long',
        { custom_metadata: { foo: 'a'.repeat(513) } },
        'length of value for key "foo" is 513',
      ],
      ['invalid_type', { custom_metadata: { foo: { bar: 'baz' } } }, 'value for key "foo" must be a string'],
    ]
    for (const [name, body, output] of cases) {
      assert.equal(
        (await t.call('POST', `${m}/metadata/${name}`, { body: { cas_required: true } })).status,
        204,
      )
      const res = await t.call('PATCH', `${m}/metadata/${name}`, {
        body,
        headers: { 'content-type': 'application/merge-patch+json' },
      })
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`)
      assert.ok(res.body.errors.join().includes(output), `${name}: ${res.body.errors}`)
    }
  })

  it('TestVersionedKV_Metadata_Patch_CasRequiredWarning: cas_required false under a mount that mandates it is kept, with a warning', async () => {
    const m = await kv()
    await t.call('POST', `${m}/config`, { body: { cas_required: true } })
    await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 5 } })
    const res = await t.call('PATCH', `${m}/metadata/foo`, {
      body: { cas_required: false },
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.warnings.length, 1)
    assert.match(res.body.warnings[0], /"cas_required" set to false, but is mandated by backend config/)
    assert.equal((await t.call('GET', `${m}/metadata/foo`)).body.data.cas_required, false)
  })

  it('TestVersionedKV_Metadata_Patch_CustomMetadata: a custom_metadata patch adds, replaces and removes (null) keys', async () => {
    const m = await kv()
    const cases: [string, Record<string, unknown>, Record<string, string>][] = [
      ['empty_object', {}, { foo: 'abc', bar: 'def' }],
      ['add_a_key', { baz: 'ghi' }, { foo: 'abc', bar: 'def', baz: 'ghi' }],
      ['remove_a_key', { foo: null }, { bar: 'def' }],
      ['replace_a_key', { foo: 'ghi' }, { foo: 'ghi', bar: 'def' }],
      ['mixed', { foo: 'def', bar: null, baz: 'ghi' }, { foo: 'def', baz: 'ghi' }],
    ]
    for (const [name, input, output] of cases) {
      await t.call('POST', `${m}/metadata/${name}`, { body: { custom_metadata: { foo: 'abc', bar: 'def' } } })
      const res = await t.call('PATCH', `${m}/metadata/${name}`, {
        body: { custom_metadata: input },
        headers: { 'content-type': 'application/merge-patch+json' },
      })
      assert.ok(res.status < 300, `${name}: ${JSON.stringify(res.body)}`)
      assert.deepEqual((await t.call('GET', `${m}/metadata/${name}`)).body.data.custom_metadata, output, name)
    }
  })

  it('TestVersionedKV_Metadata_Patch_Success and _NilsUnset: read-only fields are ignored, named ones replaced, null unsets', async () => {
    const m = await kv()
    const ignore = 'ignore_me'
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      [
        'ignored_fields',
        {
          foo: ignore,
          created_time: ignore,
          current_version: ignore,
          oldest_version: ignore,
          updated_time: ignore,
        },
        {},
      ],
      ['no_fields_modified', {}, {}],
      [
        'top_level_fields_replaced',
        { cas_required: true, max_versions: 5 },
        { cas_required: true, max_versions: 5 },
      ],
      [
        'top_level_mixed',
        { cas_required: true, max_versions: 15, delete_version_after: null, updated_time: ignore },
        { cas_required: true, max_versions: 15 },
      ],
      ['nils_unset', { max_versions: null }, { max_versions: 0 }],
    ]
    for (const [name, input, changed] of cases) {
      await t.call('POST', `${m}/metadata/${name}`, { body: { max_versions: 10 } })
      const before = (await t.call('GET', `${m}/metadata/${name}`)).body.data
      clock.advance(1)
      const res = await t.call('PATCH', `${m}/metadata/${name}`, {
        body: input,
        headers: { 'content-type': 'application/merge-patch+json' },
      })
      assert.ok(res.status < 300, `${name}: ${JSON.stringify(res.body)}`)
      const afterPatch = (await t.call('GET', `${m}/metadata/${name}`)).body.data
      // OpenBao also moves updated_time on a metadata patch; Vault's patch leaves it, and so does Coffer.
      assert.deepEqual(afterPatch, { ...before, ...changed }, name)
    }
  })

  it('TestVersionedKV_Delete_Put and _Undelete_Put: versions "1,2" as a string are soft-deleted, then restored', async () => {
    const m = await kv()
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' }, options: { cas: 1 } } })
    assert.equal((await t.call('POST', `${m}/delete/foo`, { body: { versions: '1,2' } })).status, 204)
    let versions = (await t.call('GET', `${m}/metadata/foo`)).body.data.versions
    assert.equal(Date.parse(versions['1'].deletion_time), clock.now())
    assert.equal(Date.parse(versions['2'].deletion_time), clock.now())
    assert.equal((await t.call('POST', `${m}/undelete/foo`, { body: { versions: '1,2' } })).status, 204)
    versions = (await t.call('GET', `${m}/metadata/foo`)).body.data.versions
    assert.equal(versions['1'].deletion_time, '')
    assert.equal(versions['2'].deletion_time, '')
  })

  it('TestVersionedKV_Destroy_Put: versions "1,2" as a string are destroyed', async () => {
    const m = await kv()
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz' } } })
    await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' }, options: { cas: 1 } } })
    assert.equal((await t.call('POST', `${m}/destroy/foo`, { body: { versions: '1,2' } })).status, 204)
    const versions = (await t.call('GET', `${m}/metadata/foo`)).body.data.versions
    assert.equal(versions['1'].destroyed, true)
    assert.equal(versions['2'].destroyed, true)
  })

  it('TestDeleteVersionAfter: the shorter of the mount and key delete_version_after applies; a disabled mount turns it off', async () => {
    const h = 3600
    const cases: [string, string, number][] = [
      ['0s', '0s', 0],
      ['0s', '3h0m0s', 3 * h],
      ['3h0m0s', '0s', 3 * h],
      ['6h0m0s', '3h0m0s', 3 * h],
      ['3h0m0s', '6h0m0s', 3 * h],
      ['-1s', '0s', 0],
      ['-1s', '3h0m0s', 0],
    ]
    for (const [mountDva, metaDva, lifetime] of cases) {
      const label = `mount=${mountDva},meta=${metaDva}`
      const m = await kv()
      assert.equal(
        (await t.call('POST', `${m}/config`, { body: { delete_version_after: mountDva } })).status,
        204,
      )
      const config = await t.call('GET', `${m}/config`)
      assert.equal(config.body.data.delete_version_after, mountDva, label)
      await t.call('POST', `${m}/metadata/foo`, { body: { max_versions: 2, delete_version_after: metaDva } })
      assert.equal((await t.call('GET', `${m}/metadata/foo`)).body.data.delete_version_after, metaDva, label)
      const lifeOf = (d: { created_time: string; deletion_time: string }) =>
        d.deletion_time === '' ? 0 : (Date.parse(d.deletion_time) - Date.parse(d.created_time)) / 1000
      const written = await t.call('POST', `${m}/data/foo`, { body: { data: { bar: 'baz1' } } })
      assert.equal(lifeOf(written.body.data), lifetime, label)
      assert.equal(lifeOf((await t.call('GET', `${m}/data/foo`)).body.data.metadata), lifetime, label)
      assert.equal((await t.call('POST', `${m}/delete/foo`, { body: { versions: '1' } })).status, 204)
      clock.advance(60)
      assert.equal((await t.call('POST', `${m}/undelete/foo`, { body: { versions: '1' } })).status, 204)
      const v1 = (await t.call('GET', `${m}/metadata/foo`)).body.data.versions['1']
      // The deletion timer starts again at the undelete.
      assert.equal(
        v1.deletion_time === '' ? 0 : (Date.parse(v1.deletion_time) - clock.now()) / 1000,
        lifetime,
        label,
      )
    }
  })

  it('TestVersionedKV_Config and _Config_DeleteVersionAfter: any negative duration reads back as disabled (-1s)', async () => {
    const m = await kv()
    assert.equal(
      (
        await t.call('POST', `${m}/config`, {
          body: { max_versions: 4, cas_required: true, delete_version_after: '5m' },
        })
      ).status,
      204,
    )
    const c = (await t.call('GET', `${m}/config`)).body.data
    assert.deepEqual([c.max_versions, c.cas_required, c.delete_version_after], [4, true, '5m0s'])
    const cases: [string, string, string][] = [
      ['0s', '0s', '0s'],
      ['10s', '0s', '0s'],
      ['10s', '20s', '20s'],
      ['10s', '-1h', '-1s'],
      ['-1h', '3h', '3h0m0s'],
      ['-1h', '-1h', '-1s'],
      ['-1h', '0h', '0s'],
    ]
    for (const [first, second, want] of cases) {
      const n = await kv()
      assert.equal((await t.call('GET', `${n}/config`)).body.data.delete_version_after, '0s')
      await t.call('POST', `${n}/config`, { body: { delete_version_after: first } })
      const firstWant = first.startsWith('-') ? '-1s' : first
      assert.equal((await t.call('GET', `${n}/config`)).body.data.delete_version_after, firstWant, first)
      await t.call('POST', `${n}/config`, { body: { delete_version_after: second } })
      assert.equal(
        (await t.call('GET', `${n}/config`)).body.data.delete_version_after,
        want,
        `${first} then ${second}`,
      )
    }
  })

  it('TestVersionedKV_Subkeys_*: the key tree with leaves as null, version and depth parameters, 404s for absent, deleted and destroyed', async () => {
    const m = await kv()
    assert.equal((await t.call('GET', `${m}/subkeys/foo`)).status, 404)
    await t.call('POST', `${m}/data/foo`, {
      body: {
        data: {
          foo: 'does-not-matter',
          bar: { a: { c: { d: 'does-not-matter' } }, b: {} },
          baz: { e: 3.14 },
          quux: 123,
          quuz: ['does-not-matter'],
        },
      },
    })
    let res = await t.call('GET', `${m}/subkeys/foo`)
    assert.deepEqual(Object.keys(res.body.data).sort(), ['metadata', 'subkeys'])
    assert.deepEqual(Object.keys(res.body.data.metadata).sort(), metadataKeys)
    assert.deepEqual(res.body.data.subkeys, {
      foo: null,
      bar: { a: { c: { d: null } }, b: null },
      baz: { e: null },
      quux: null,
      quuz: null,
    })

    await t.call('POST', `${m}/data/v`, { body: { data: { foo: 'abc' } } })
    await t.call('POST', `${m}/data/v`, { body: { data: { foo: 'abc', bar: 'def' } } })
    assert.deepEqual((await t.call('GET', `${m}/subkeys/v?version=1`)).body.data.subkeys, { foo: null })
    assert.equal((await t.call('GET', `${m}/subkeys/v?version=10`)).status, 404)

    await t.call('POST', `${m}/data/deep`, { body: { data: { foo: { bar: { baz: 123 } } } } })
    assert.equal((await t.call('GET', `${m}/subkeys/deep?depth=not-an-integer`)).status, 400)
    const full = { foo: { bar: { baz: null } } }
    assert.deepEqual((await t.call('GET', `${m}/subkeys/deep`)).body.data.subkeys, full)
    assert.deepEqual((await t.call('GET', `${m}/subkeys/deep?depth=0`)).body.data.subkeys, full)
    assert.deepEqual((await t.call('GET', `${m}/subkeys/deep?depth=2`)).body.data.subkeys, {
      foo: { bar: null },
    })

    await t.call('POST', `${m}/data/empty`, { body: { data: {} } })
    assert.deepEqual((await t.call('GET', `${m}/subkeys/empty`)).body.data.subkeys, {})

    await t.call('POST', `${m}/data/del`, { body: { data: { foo: 'bar' } } })
    await t.call('POST', `${m}/data/des`, { body: { data: { foo: 'bar' } } })
    assert.deepEqual((await t.call('GET', `${m}/subkeys/del`)).body.data.subkeys, { foo: null })
    await t.call('DELETE', `${m}/data/del`)
    await t.call('POST', `${m}/destroy/des`, { body: { versions: [1] } })
    res = await t.call('GET', `${m}/subkeys/del`)
    assert.equal(res.status, 404)
    assert.notEqual(res.body.data.metadata.deletion_time, '')
    res = await t.call('GET', `${m}/subkeys/des`)
    assert.equal(res.status, 404)
    assert.equal(res.body.data.metadata.destroyed, true)
  })
})

describe('openbao backends: kv v1 (passthrough)', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestPassthroughBackend_Write, _Read, _Delete and _List: ttl and lease set the lease_duration of a read, not renewable', async () => {
    const m = await mount(t, 'kv', { version: '1' })
    const cases: [string, string | number, number][] = [
      ['lease', '1h', 3600],
      ['ttl', '5', 5],
      ['lease', 10, 10],
      ['ttl', '40s', 40],
    ]
    for (const [field, ttl, seconds] of cases) {
      const res = await t.call('POST', `${m}/foo`, { body: { raw: 'test', [field]: ttl } })
      assert.equal(res.status, 204, JSON.stringify(res.body))
      const read = await t.call('GET', `${m}/foo`)
      assert.equal(read.status, 200)
      assert.deepEqual(read.body.data, { raw: 'test', [field]: ttl })
      assert.equal(read.body.lease_duration, seconds, `${field}=${ttl}`)
      assert.equal(read.body.renewable, false)
      assert.equal(read.body.lease_id, '')
    }
    assert.deepEqual((await t.call('LIST', `${m}/`)).body.data, { keys: ['foo'] })
    assert.equal((await t.call('DELETE', `${m}/foo`)).status, 204)
    assert.equal((await t.call('GET', `${m}/foo`)).status, 404)
  })
})

describe('openbao backends: approle', () => {
  let t: TestServer
  let n = 0
  // Each replay gets its own approle mount, as each Go test gets its own backend.
  let m = ''
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())
  const fresh = async () => {
    m = `approle${++n}`
    assert.equal((await t.call('POST', `sys/auth/${m}`, { body: { type: 'approle' } })).status, 204)
  }
  const call = (method: string, path: string, body?: unknown) =>
    t.call(method, `auth/${m}/${path}`, body === undefined ? {} : { body })
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body)
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }
  const refused = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body)
    assert.ok(
      res.status >= 400 && res.status < 500,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    )
    return res
  }
  const createRole = (name: string, policies: string) =>
    ok('POST', `role/${name}`, {
      policies,
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
    })
  const roleIdOf = async (name: string) =>
    (await ok('GET', `role/${name}/role-id`)).body.data.role_id as string
  const login = (role_id: string, secret_id?: string) =>
    t.call('POST', `auth/${m}/login`, {
      token: '',
      body: secret_id === undefined ? { role_id } : { role_id, secret_id },
    })

  it('TestAppRole_LocalSecretIDsRead and _LocalSecretIDImmutability: local_secret_ids reads back and cannot be changed', async () => {
    await fresh()
    await ok('POST', 'role/testrole', { local_secret_ids: true, bind_secret_id: true })
    assert.equal((await ok('GET', 'role/testrole/local-secret-ids')).body.data.local_secret_ids, true)
    await refused('POST', 'role/testrole', { local_secret_ids: false, bind_secret_id: true })
  })

  it('TestAppRole_LocalNonLocalSecretIDs: ten secret IDs list as ten accessors, local or not', async () => {
    await fresh()
    await ok('POST', 'role/testrole1', {
      policies: ['default', 'role1policy'],
      bind_secret_id: true,
      local_secret_ids: true,
    })
    await ok('POST', 'role/testrole2', { policies: ['default', 'role1policy'], bind_secret_id: true })
    for (const role of ['testrole1', 'testrole2']) {
      for (let i = 0; i < 10; i++) await ok('POST', `role/${role}/secret-id`)
      assert.equal((await ok('LIST', `role/${role}/secret-id`)).body.data.keys.length, 10)
    }
  })

  it('TestAppRole_UpgradeBoundCIDRList: bound_cidr_list reads back as secret_id_bound_cidrs; cidr_list takes a list or a string', async () => {
    await fresh()
    await ok('POST', 'role/testrole', {
      policies: ['default'],
      bind_secret_id: true,
      bound_cidr_list: ['127.0.0.1/18', '192.178.1.2/24'],
    })
    const read = await ok('GET', 'role/testrole')
    assert.deepEqual(read.body.data.secret_id_bound_cidrs, ['127.0.0.1/18', '192.178.1.2/24'])
    assert.ok('local_secret_ids' in read.body.data)
    assert.notEqual(
      (await ok('POST', 'role/testrole/secret-id', { cidr_list: ['127.0.0.1/24'] })).body.data.secret_id,
      '',
    )
    assert.notEqual(
      (await ok('POST', 'role/testrole/secret-id', { cidr_list: '127.0.0.1/24' })).body.data.secret_id,
      '',
    )
  })

  it('TestAppRole_CIDRSubset and _TokenBoundCIDRSubset32Mask: a secret ID may only narrow the role CIDRs', async () => {
    await fresh()
    await ok('POST', 'role/testrole1', {
      role_id: 'role-id-123',
      policies: 'a,b',
      bound_cidr_list: '127.0.0.1/24',
    })
    await refused('POST', 'role/testrole1/secret-id', { cidr_list: '127.0.0.1/16' })
    await ok('POST', 'role/testrole1', {
      role_id: 'role-id-123',
      policies: 'a,b',
      bound_cidr_list: '192.168.27.29/16,172.245.30.40/24,10.20.30.40/30',
    })
    await ok('POST', 'role/testrole1/secret-id', {
      cidr_list: '192.168.27.29/20,172.245.30.40/25,10.20.30.40/32',
    })

    await ok('POST', 'role/testrole2', {
      role_id: 'role-id-456',
      policies: 'a,b',
      token_bound_cidrs: '127.0.0.1/32',
    })
    await ok('POST', 'role/testrole2/secret-id', { token_bound_cidrs: '127.0.0.1/32' })
    await refused('POST', 'role/testrole2/secret-id', { token_bound_cidrs: '127.0.0.1/24' })
  })

  it('TestAppRole_RoleConstraints: bind_secret_id false needs some other constraint', async () => {
    await fresh()
    await ok('POST', 'role/testrole1', { role_id: 'role-id-123', policies: 'a,b' })
    await ok('POST', 'role/testrole1', {
      role_id: 'role-id-123',
      policies: 'a,b',
      bind_secret_id: false,
      bound_cidr_list: '0.0.0.0/0',
    })
    await refused('POST', 'role/testrole1', {
      role_id: 'role-id-123',
      policies: 'a,b',
      bind_secret_id: false,
      bound_cidr_list: '',
    })
  })

  it('TestAppRole_RoleIDUpdate and _RoleIDUniqueness: a custom role_id logs in, and no two roles share one', async () => {
    await fresh()
    const role = {
      policies: 'a,b',
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
    }
    await ok('POST', 'role/testrole1', { ...role, role_id: 'role-id-123' })
    await ok('POST', 'role/testrole1/role-id', { role_id: 'customroleid' })
    const secretId = (await ok('POST', 'role/testrole1/secret-id')).body.data.secret_id
    const res = await login('customroleid', secretId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.auth.client_token)

    await fresh()
    await ok('POST', 'role/testrole1', { ...role, role_id: 'role-id-123' })
    await refused('POST', 'role/testrole2', { ...role, role_id: 'role-id-123' })
    await ok('POST', 'role/testrole2', { ...role, role_id: 'role-id-456' })
    await refused('POST', 'role/testrole2', { ...role, role_id: 'role-id-123' })
    await refused('POST', 'role/testrole1', { ...role, role_id: 'role-id-456' })
    await refused('POST', 'role/testrole1/role-id', { role_id: 'role-id-456' })
    await refused('POST', 'role/testrole2/role-id', { role_id: 'role-id-123' })
    await ok('POST', 'role/testrole2/role-id', { role_id: 'role-id-2000' })
    await ok('POST', 'role/testrole1/role-id', { role_id: 'role-id-1000' })
  })

  it('TestAppRole_RoleDeleteSecretID: once the role is gone, listing its secret IDs is an error', async () => {
    await fresh()
    await createRole('role1', 'a,b')
    for (let i = 0; i < 3; i++) await ok('POST', 'role/role1/secret-id')
    assert.equal((await ok('LIST', 'role/role1/secret-id')).body.data.keys.length, 3)
    await ok('DELETE', 'role/role1')
    await refused('LIST', 'role/role1/secret-id')
  })

  it('TestAppRole_RoleSecretIDReadDelete: lookup, then destroy with DELETE and a body; a later lookup is no error', async () => {
    await fresh()
    await createRole('role1', 'a,b')
    const secretId = (await ok('POST', 'role/role1/secret-id')).body.data.secret_id
    assert.ok((await ok('POST', 'role/role1/secret-id/lookup', { secret_id: secretId })).body.data)
    // Over HTTP a DELETE carries its data in the query (Vault reads no DELETE body).
    await ok('DELETE', `role/role1/secret-id/destroy?secret_id=${secretId}`)
    const after = await call('POST', 'role/role1/secret-id/lookup', { secret_id: secretId })
    assert.equal(after.status, 204, JSON.stringify(after.body))
  })

  it('TestAppRole_RoleSecretIDAccessorReadDelete and TestAppRoleSecretIDLookup: by accessor; an unknown accessor is a 404 naming it', async () => {
    await fresh()
    await createRole('role1', 'a,b')
    await ok('POST', 'role/role1/secret-id')
    const accessor = (await ok('LIST', 'role/role1/secret-id')).body.data.keys[0]
    assert.ok(
      (await ok('POST', 'role/role1/secret-id-accessor/lookup', { secret_id_accessor: accessor })).body.data,
    )
    await ok('POST', 'role/role1/secret-id-accessor/destroy', { secret_id_accessor: accessor })
    const res = await call('POST', 'role/role1/secret-id-accessor/lookup', { secret_id_accessor: 'invalid' })
    // Vault answers a raw 404 body with data.error; Coffer's 404 carries its reason in errors, as its other 404s do.
    assert.equal(res.status, 404)
    assert.equal(res.body.errors.length, 1)
  })

  it('TestAppRoleRoleListSecretID and TestAppRole_RoleList: five secret IDs, five roles', async () => {
    await fresh()
    await createRole('role1', 'a,b')
    for (let i = 0; i < 5; i++) await ok('POST', 'role/role1/secret-id')
    assert.equal((await ok('LIST', 'role/role1/secret-id/')).body.data.keys.length, 5)
    for (const [i, p] of ['c,d', 'e,f', 'g,h', 'i,j'].entries()) await createRole(`role${i + 2}`, p)
    assert.deepEqual((await ok('LIST', 'role')).body.data.keys, ['role1', 'role2', 'role3', 'role4', 'role5'])
  })

  it('TestAppRole_RoleSecretIDWithoutFields: a secret ID takes the role secret_id_ttl and secret_id_num_uses', async () => {
    await fresh()
    await ok('POST', 'role/role1', {
      policies: 'p,q,r,s',
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
    })
    let res = await ok('POST', 'role/role1/secret-id')
    assert.notEqual(res.body.data.secret_id, '')
    assert.equal(res.body.data.secret_id_ttl, 300)
    assert.equal(res.body.data.secret_id_num_uses, 10)
    res = await ok('POST', 'role/role1/custom-secret-id', { secret_id: 'abcd123' })
    assert.equal(res.body.data.secret_id, 'abcd123')
    assert.equal(res.body.data.secret_id_ttl, 300)
    assert.equal(res.body.data.secret_id_num_uses, 10)
  })

  it('TestAppRole_RoleSecretIDWithValidFields: ttl and num_uses on a secret ID under an unlimited role', async () => {
    await fresh()
    await ok('POST', 'role/role1', {
      policies: 'p,q,r,s',
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      token_ttl: 400,
      token_max_ttl: 500,
    })
    const cases = [
      { secret_id: 'finite', ttl: 5, num_uses: 5 },
      { secret_id: 'infinite', ttl: 0, num_uses: 0 },
      { secret_id: 'mixed1', ttl: 0, num_uses: 5 },
      { secret_id: 'mixed2', ttl: 5, num_uses: 0 },
    ]
    for (const payload of cases) {
      // Vault ignores a secret_id sent to secret-id; Coffer refuses it (pointing at custom-secret-id), so it is left out.
      const { secret_id: _, ...generated } = payload
      let res = await ok('POST', 'role/role1/secret-id', generated)
      assert.equal(res.body.data.secret_id_ttl, payload.ttl, payload.secret_id)
      assert.equal(res.body.data.secret_id_num_uses, payload.num_uses, payload.secret_id)
      res = await ok('POST', 'role/role1/custom-secret-id', payload)
      assert.equal(res.body.data.secret_id, payload.secret_id)
      assert.equal(res.body.data.secret_id_ttl, payload.ttl, payload.secret_id)
      assert.equal(res.body.data.secret_id_num_uses, payload.num_uses, payload.secret_id)
    }
  })

  it('TestAppRole_ErrorsRoleSecretIDWithInvalidFields: a secret ID may not outlast or outcount its role', async () => {
    await fresh()
    const roles: [Record<string, number>, Record<string, number | string>, string][] = [
      [
        { secret_id_num_uses: 1, secret_id_ttl: 0 },
        { ttl: 0, num_uses: 2 },
        "num_uses cannot be higher than the role's secret_id_num_uses",
      ],
      [
        { secret_id_num_uses: 0, secret_id_ttl: 1 },
        { ttl: 2, num_uses: 0 },
        "ttl cannot be longer than the role's secret_id_ttl",
      ],
      [
        { secret_id_num_uses: 2, secret_id_ttl: 2 },
        { num_uses: 1, ttl: 0 },
        "ttl cannot be longer than the role's secret_id_ttl",
      ],
      [
        { secret_id_num_uses: 2, secret_id_ttl: 2 },
        { num_uses: 0, ttl: 1 },
        "num_uses cannot be higher than the role's secret_id_num_uses",
      ],
      [
        { secret_id_num_uses: 400, secret_id_ttl: 500 },
        { num_uses: -1, ttl: 0 },
        'num_uses cannot be negative',
      ],
    ]
    for (const [i, [options, payload, expected]] of roles.entries()) {
      await ok('POST', `role/role${i}`, {
        policies: 'p,q,r,s',
        token_ttl: 400,
        token_max_ttl: 500,
        ...options,
      })
      for (const path of ['secret-id', 'custom-secret-id']) {
        const body = path === 'custom-secret-id' ? { secret_id: 'abcd123', ...payload } : payload
        const res = await refused('POST', `role/role${i}/${path}`, body)
        assert.deepEqual(res.body.errors, [expected], `${path} ${JSON.stringify(payload)}`)
      }
    }
  })

  it('TestAppRole_RoleCRUD: the role and each per-field endpoint read, write and reset', async () => {
    await fresh()
    await ok('POST', 'role/role1', {
      policies: 'p,q,r,s',
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
      token_num_uses: 600,
      secret_id_bound_cidrs: '127.0.0.1/32,127.0.0.1/16',
    })
    let d = (await ok('GET', 'role/role1')).body.data
    assert.equal(d.bind_secret_id, true)
    assert.deepEqual(d.token_policies, ['p', 'q', 'r', 's'])
    assert.deepEqual(d.policies, ['p', 'q', 'r', 's'])
    assert.deepEqual(
      [d.secret_id_num_uses, d.secret_id_ttl, d.token_ttl, d.token_max_ttl, d.token_num_uses],
      [10, 300, 400, 500, 600],
    )
    assert.deepEqual(d.secret_id_bound_cidrs, ['127.0.0.1/32', '127.0.0.1/16'])
    assert.deepEqual(d.token_bound_cidrs, [])
    assert.equal(d.token_type, 'default')

    await ok('POST', 'role/role1', {
      role_id: 'test_role_id',
      policies: 'a,b,c,d',
      secret_id_num_uses: 100,
      secret_id_ttl: 3000,
      token_ttl: 4000,
      token_max_ttl: 5000,
    })
    d = (await ok('GET', 'role/role1')).body.data
    assert.deepEqual(d.token_policies, ['a', 'b', 'c', 'd'])
    assert.deepEqual(
      [d.secret_id_num_uses, d.secret_id_ttl, d.token_ttl, d.token_max_ttl, d.token_num_uses],
      [100, 3000, 4000, 5000, 600],
    )
    assert.equal((await ok('GET', 'role/role1/role-id')).body.data.role_id, 'test_role_id')
    await ok('POST', 'role/role1/role-id', { role_id: 'custom_role_id' })
    assert.equal((await ok('GET', 'role/role1/role-id')).body.data.role_id, 'custom_role_id')

    await ok('GET', 'role/role1/bind-secret-id')
    await ok('POST', 'role/role1/bind-secret-id', { bind_secret_id: false })
    assert.equal((await ok('GET', 'role/role1/bind-secret-id')).body.data.bind_secret_id, false)
    await ok('DELETE', 'role/role1/bind-secret-id')
    assert.equal((await ok('GET', 'role/role1/bind-secret-id')).body.data.bind_secret_id, true)

    await ok('GET', 'role/role1/policies')
    await ok('POST', 'role/role1/policies', { policies: 'a1,b1,c1,d1' })
    d = (await ok('GET', 'role/role1/policies')).body.data
    assert.deepEqual(d.policies, ['a1', 'b1', 'c1', 'd1'])
    assert.deepEqual(d.token_policies, ['a1', 'b1', 'c1', 'd1'])
    await ok('DELETE', 'role/role1/policies')
    assert.deepEqual((await ok('GET', 'role/role1/policies')).body.data.token_policies, [])

    const fields: [string, string, number, number | null][] = [
      ['secret-id-num-uses', 'secret_id_num_uses', 200, null],
      ['secret-id-ttl', 'secret_id_ttl', 3001, null],
      ['token-num-uses', 'token_num_uses', 60, 600],
      ['token-ttl', 'token_ttl', 4001, null],
      ['token-max-ttl', 'token_max_ttl', 5001, null],
    ]
    for (const [path, field, value, current] of fields) {
      const now = await ok('GET', `role/role1/${path}`)
      if (current !== null) assert.equal(now.body.data[field], current, path)
      await ok('POST', `role/role1/${path}`, { [field]: value })
      assert.equal((await ok('GET', `role/role1/${path}`)).body.data[field], value, path)
      await ok('DELETE', `role/role1/${path}`)
      assert.equal((await ok('GET', `role/role1/${path}`)).body.data[field], 0, `${path} reset`)
    }
    await ok('GET', 'role/role1/period')
    await ok('POST', 'role/role1/period', { period: 9001 })
    assert.equal((await ok('GET', 'role/role1/period')).body.data.period, 9001)
    await ok('DELETE', 'role/role1/period')
    assert.equal((await ok('GET', 'role/role1/period')).body.data.token_period, 0)

    await ok('DELETE', 'role/role1')
    assert.equal((await call('GET', 'role/role1')).status, 404)
  })

  it('TestAppRole_RoleWithTokenBoundCIDRsCRUD: CIDR endpoints; a /32 token CIDR reads back as the bare address', async () => {
    await fresh()
    await ok('POST', 'role/role1', {
      policies: 'p,q,r,s',
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
      token_num_uses: 600,
      secret_id_bound_cidrs: '127.0.0.1/32,127.0.0.1/16',
      token_bound_cidrs: '127.0.0.1/32,127.0.0.1/16',
    })
    const d = (await ok('GET', 'role/role1')).body.data
    assert.deepEqual(d.secret_id_bound_cidrs, ['127.0.0.1/32', '127.0.0.1/16'])
    assert.deepEqual(d.token_bound_cidrs, ['127.0.0.1', '127.0.0.1/16'])
    assert.deepEqual((await ok('GET', 'role/role1/secret-id-bound-cidrs')).body.data.secret_id_bound_cidrs, [
      '127.0.0.1/32',
      '127.0.0.1/16',
    ])
    await ok('POST', 'role/role1/secret-id-bound-cidrs', { secret_id_bound_cidrs: ['127.0.0.1/20'] })
    assert.deepEqual((await ok('GET', 'role/role1/secret-id-bound-cidrs')).body.data.secret_id_bound_cidrs, [
      '127.0.0.1/20',
    ])
    await ok('DELETE', 'role/role1/secret-id-bound-cidrs')
    assert.deepEqual(
      (await ok('GET', 'role/role1/secret-id-bound-cidrs')).body.data.secret_id_bound_cidrs,
      [],
    )

    assert.deepEqual((await ok('GET', 'role/role1/token-bound-cidrs')).body.data.token_bound_cidrs, [
      '127.0.0.1',
      '127.0.0.1/16',
    ])
    await ok('POST', 'role/role1/token-bound-cidrs', { token_bound_cidrs: ['127.0.0.1/20'] })
    assert.deepEqual((await ok('GET', 'role/role1/token-bound-cidrs')).body.data.token_bound_cidrs, [
      '127.0.0.1/20',
    ])
    await ok('DELETE', 'role/role1/token-bound-cidrs')
    assert.deepEqual((await ok('GET', 'role/role1/token-bound-cidrs')).body.data.token_bound_cidrs, [])
  })

  it('TestAppRole_RoleWithTokenTypeCRUD: token_type default-service is stored as service, with a warning', async () => {
    await fresh()
    const role = {
      policies: 'p,q,r,s',
      secret_id_num_uses: 10,
      secret_id_ttl: 300,
      token_ttl: 400,
      token_max_ttl: 500,
    }
    let res = await ok('POST', 'role/role1', { ...role, token_num_uses: 600, token_type: 'default-service' })
    assert.deepEqual(res.body?.warnings, ['default-service has no useful meaning; adjusting to service'])
    assert.equal((await ok('GET', 'role/role1')).body.data.token_type, 'service')
    res = await ok('POST', 'role/role1', { ...role, role_id: 'test_role_id', token_type: 'default-service' })
    assert.ok(res.body?.warnings?.length > 0, JSON.stringify(res.body))
    assert.equal((await ok('GET', 'role/role1')).body.data.token_type, 'service')
    res = await ok('POST', 'role/role2', { ...role, token_type: 'default-batch' })
    assert.deepEqual(res.body.warnings, ['default-batch has no useful meaning; adjusting to batch'])
    assert.equal((await ok('GET', 'role/role2')).body.data.token_type, 'batch')
  })

  it('TestAppRole_SecretID_WithTTL: a role secret_id_ttl above the system maximum is capped there on the secret ID', async () => {
    await fresh()
    const cases: [string, number, number][] = [
      ['role-zero-ttl', 0, 0],
      ['role-custom-ttl', 60, 60],
      ['role-sys-ttl-cap', 700000000, 32 * 24 * 3600],
    ]
    for (const [name, ttl, want] of cases) {
      await ok('POST', `role/${name}`, { policies: 'default', secret_id_ttl: ttl })
      const made = (await ok('POST', `role/${name}/secret-id`)).body.data
      assert.equal(made.secret_id_ttl, want, name)
      const found = (await ok('POST', `role/${name}/secret-id/lookup`, { secret_id: made.secret_id })).body
        .data
      const lifetime = (Date.parse(found.expiration_time) - Date.parse(found.creation_time)) / 1000
      assert.equal(
        want === 0 ? found.expiration_time : lifetime,
        want === 0 ? '0001-01-01T00:00:00Z' : want,
        name,
      )
    }
    // The cap is the mount's own max lease TTL once tuned.
    assert.equal((await t.call('POST', `sys/auth/${m}/tune`, { body: { max_lease_ttl: '1h' } })).status, 204)
    await ok('POST', 'role/tuned', { policies: 'default', secret_id_ttl: '2h' })
    assert.equal((await ok('POST', 'role/tuned/secret-id')).body.data.secret_id_ttl, 3600)
  })

  it('TestAppRole_RoleSecretIDAccessorCrossDelete: one role cannot destroy another role’s secret ID by accessor', async () => {
    await fresh()
    await createRole('role1', 'a,b')
    await ok('POST', 'role/role1/secret-id')
    await createRole('role2', 'a,b')
    await ok('POST', 'role/role2/secret-id')
    const accessor = (await ok('LIST', 'role/role2/secret-id')).body.data.keys[0]
    await ok('POST', 'role/role2/secret-id-accessor/lookup', { secret_id_accessor: accessor })
    await refused('POST', 'role/role1/secret-id-accessor/destroy', { secret_id_accessor: accessor })
    await ok('POST', 'role/role2/secret-id-accessor/lookup', { secret_id_accessor: accessor })
  })

  it('TestAppRole_SecretIDNumUsesUpgrade: lookup shows the secret ID’s num uses', async () => {
    await fresh()
    await ok('POST', 'role/role1', { secret_id_num_uses: 10 })
    const secretId = (await ok('POST', 'role/role1/secret-id')).body.data.secret_id
    assert.equal(
      (await ok('POST', 'role/role1/secret-id/lookup', { secret_id: secretId })).body.data.secret_id_num_uses,
      10,
    )
  })

  it('TestAppRole_BoundCIDRLogin: the token carries the role token_bound_cidrs, or the narrower ones of the secret ID', async () => {
    await fresh()
    await ok('POST', 'role/testrole', {
      bind_secret_id: false,
      bound_cidr_list: ['127.0.0.1/8'],
      token_bound_cidrs: ['10.0.0.0/8'],
    })
    const roleId = await roleIdOf('testrole')
    let res = await login(roleId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const lookup = async (token: string) =>
      (await t.call('POST', 'auth/token/lookup', { body: { token } })).body.data.bound_cidrs
    assert.deepEqual(await lookup(res.body.auth.client_token), ['10.0.0.0/8'])
    await ok('POST', 'role/testrole', { bind_secret_id: true })
    await refused('POST', 'role/testrole/secret-id', { token_bound_cidrs: ['11.0.0.0/24'] })
    const secretId = (await ok('POST', 'role/testrole/secret-id', { token_bound_cidrs: '10.0.0.0/24' })).body
      .data.secret_id
    res = await login(roleId, secretId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(await lookup(res.body.auth.client_token), ['10.0.0.0/24'])
  })

  it('TestAppRole_RoleLogin: metadata and alias metadata carry role_name; renewals keep token_ttl or the period; an over-long secret ID is refused', async () => {
    await fresh()
    await createRole('role1', 'a,b,c')
    const roleId = await roleIdOf('role1')
    let secretId = (await ok('POST', 'role/role1/secret-id')).body.data.secret_id
    let res = await login(roleId, secretId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.metadata.role_name, 'role1')
    const entity = await t.call('GET', `identity/entity/id/${res.body.auth.entity_id}`)
    assert.equal(entity.body.data.aliases[0].metadata.role_name, 'role1')
    let renewed = await t.call('POST', 'auth/token/renew-self', { token: res.body.auth.client_token })
    assert.equal(renewed.body.auth.lease_duration, 400)

    await ok('POST', 'role/role-period', { policies: 'a,b,c', period: '10m0s' })
    secretId = (await ok('POST', 'role/role-period/secret-id')).body.data.secret_id
    res = await login(await roleIdOf('role-period'), secretId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    renewed = await t.call('POST', 'auth/token/renew-self', { token: res.body.auth.client_token })
    assert.equal(renewed.body.auth.lease_duration, 600)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })
    assert.equal(self.body.data.period, 600)

    res = await login(roleId, 'a'.repeat(4097))
    assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body))
  })

  it('TestAppRole_RoleDoesNotExist: an unknown role_id is refused as "invalid role or secret ID"', async () => {
    await fresh()
    const res = await login('roleDoesNotExist', 'secret')
    assert.equal(res.status, 400)
    assert.match(res.body.errors.join(), /invalid role or secret ID/)
  })

  it('TestAppRole_RoleServiceToBatchNumUses: a role moved to batch tokens with token_num_uses 0 logs in', async () => {
    await fresh()
    const role = {
      bind_secret_id: true,
      secret_id_num_uses: 0,
      secret_id_ttl: '10m',
      token_policies: 'policy',
      token_ttl: '5m',
      token_max_ttl: '10m',
      token_num_uses: 2,
      token_type: 'default',
    }
    await ok('POST', 'role/testrole', role)
    await ok('POST', 'role/testrole', { ...role, token_num_uses: 0, token_type: 'batch' })
    const secretId = (await ok('POST', 'role/testrole/secret-id')).body.data.secret_id
    const res = await login(await roleIdOf('testrole'), secretId)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.token_type, 'batch')
  })

  for (const name of ['samplerolename', 'SAMPLEROLENAME', 'SampleRoleName']) {
    it(`TestAppRole_RoleNameCaseSensitivity (${name}): secret IDs are destroyed through any case of the role name`, async () => {
      await fresh()
      await ok('POST', `role/${name}`)
      const roleId = await roleIdOf(name)
      let made = (await ok('POST', `role/${name}/secret-id`)).body.data
      assert.equal((await login(roleId, made.secret_id)).status, 200)
      await ok('POST', `role/${name}/secret-id-accessor/destroy`, {
        secret_id_accessor: made.secret_id_accessor,
      })
      assert.equal((await login(roleId, made.secret_id)).status, 400)
      for (const spelling of [name, name.toLowerCase(), name.toUpperCase(), 'saMpleRolEnaMe']) {
        made = (await ok('POST', `role/${name}/secret-id`)).body.data
        assert.equal((await login(roleId, made.secret_id)).status, 200, spelling)
        await ok('POST', `role/${spelling}/secret-id/destroy`, { secret_id: made.secret_id })
        assert.equal((await login(roleId, made.secret_id)).status, 400, spelling)
      }
    })
  }
})

describe('openbao backends: userpass', () => {
  let t: TestServer
  let n = 0
  let m = ''
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())
  const fresh = async () => {
    m = `userpass${++n}`
    assert.equal((await t.call('POST', `sys/auth/${m}`, { body: { type: 'userpass' } })).status, 204)
  }
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await t.call(method, `auth/${m}/${path}`, body === undefined ? {} : { body })
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }
  const login = (user: string, password: string) =>
    t.call('POST', `auth/${m}/login/${user}`, { token: '', body: { password } })
  const loginPolicies = async (user: string, password: string) => {
    const res = await login(user, password)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth.policies
  }

  it('TestBackend_CRUD: token fields and their legacy names read back; a /32 bound CIDR shows as the bare address', async () => {
    await fresh()
    await ok('POST', 'users/testuser', {
      password: 'testpassword',
      token_ttl: 5,
      token_max_ttl: 10,
      token_policies: ['foo'],
      token_bound_cidrs: ['127.0.0.1'],
    })
    let d = (await ok('GET', 'users/testuser')).body.data
    assert.deepEqual([d.token_ttl, d.token_max_ttl], [5, 10])
    assert.deepEqual(d.token_policies, ['foo'])
    assert.deepEqual(d.token_bound_cidrs, ['127.0.0.1'])
    await ok('POST', 'users/testuser', {
      ttl: '5m',
      max_ttl: '10m',
      policies: ['bar'],
      bound_cidrs: ['127.0.1.1'],
    })
    d = (await ok('GET', 'users/testuser')).body.data
    assert.deepEqual([d.ttl, d.max_ttl, d.token_ttl, d.token_max_ttl], [300, 600, 300, 600])
    assert.deepEqual(d.policies, ['bar'])
    assert.deepEqual(d.token_policies, ['bar'])
    assert.deepEqual(d.bound_cidrs, ['127.0.1.1'])
    assert.deepEqual(d.token_bound_cidrs, ['127.0.1.1'])
  })

  it('TestBackend_basic and _userCrud: users list in order, log in with default plus their policies, and are gone once deleted', async () => {
    await fresh()
    for (const user of ['web', 'web2', 'web3'])
      await ok('POST', `users/${user}`, { password: 'password', policies: 'foo' })
    assert.deepEqual((await ok('LIST', 'users')).body.data.keys, ['web', 'web2', 'web3'])
    assert.deepEqual(await loginPolicies('web', 'password'), ['default', 'foo'])
    assert.deepEqual((await ok('GET', 'users/web')).body.data.policies, ['foo'])
    await ok('DELETE', 'users/web')
    assert.equal((await t.call('GET', `auth/${m}/users/web`)).status, 404)
  })

  it('TestBackend_userCreateOperation and _passwordUpdate: a new password replaces the old one', async () => {
    await fresh()
    await ok('POST', 'users/web', { password: 'password', policies: 'foo' })
    assert.deepEqual(await loginPolicies('web', 'password'), ['default', 'foo'])
    await ok('POST', 'users/web/password', { password: 'newpassword' })
    assert.deepEqual(await loginPolicies('web', 'newpassword'), ['default', 'foo'])
    assert.equal((await login('web', 'password')).status, 400)
  })

  it('TestBackend_policiesUpdate: users/:name/policies replaces the policies, read back sorted', async () => {
    await fresh()
    await ok('POST', 'users/web', { password: 'password', policies: 'foo' })
    await ok('POST', 'users/web/policies', { policies: 'foo,bar' })
    assert.deepEqual((await ok('GET', 'users/web')).body.data.policies, ['bar', 'foo'])
    assert.deepEqual(await loginPolicies('web', 'password'), ['bar', 'default', 'foo'])
    // Vault's policy parsing there also trims, drops empties and duplicates, and keeps root alone.
    await ok('POST', 'users/web/policies', { token_policies: ' Zed, ,alpha,zed' })
    assert.deepEqual((await ok('GET', 'users/web')).body.data.token_policies, ['alpha', 'zed'])
    await ok('POST', 'users/web/policies', { token_policies: ['b', 'root', 'a'] })
    assert.deepEqual((await ok('GET', 'users/web')).body.data.token_policies, ['root'])
  })

  it('TestPathLogin_TimingLeak: a wrong password and an unknown user get the same "invalid username or password"', async () => {
    await fresh()
    await ok('POST', 'users/test', { password: 'password', policies: 'foo' })
    for (const user of ['test', 'non-existing']) {
      const res = await login(user, 'invalid-password')
      assert.equal(res.status, 400, user)
      assert.deepEqual(res.body.errors, ['invalid username or password'], user)
    }
  })

  it('TestValidatePasswordInput: a user needs a password', async () => {
    await fresh()
    for (const body of [{}, { password: '' }]) {
      const res = await t.call('POST', `auth/${m}/users/web`, { body })
      assert.equal(res.status, 400, JSON.stringify(res.body))
    }
    assert.equal((await t.call('GET', `auth/${m}/users/web`)).status, 404)
  })
})

describe('openbao backends: transit', () => {
  let t: TestServer
  let m = ''
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())
  const fresh = async () => {
    m = await mount(t, 'transit')
  }
  const call = (method: string, path: string, body?: unknown) =>
    t.call(method, `${m}/${path}`, body === undefined ? {} : { body })
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body)
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }
  const refused = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body)
    assert.ok(
      res.status >= 400 && res.status < 500,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    )
    return res
  }
  const fox = 'dGhlIHF1aWNrIGJyb3duIGZveA=='
  const ctx = 'dmlzaGFsCg=='

  it('TestTransit_MissingPlaintext and _MissingPlaintextInBatchInput: plaintext is required, in a batch item too', async () => {
    await fresh()
    await ok('POST', 'keys/existing_key')
    await refused('POST', 'encrypt/existing_key', {})
    await refused('POST', 'encrypt/upserted_key', { batch_input: [{}] })
  })

  it('TestTransit_BatchEncryptionCase1-2: encrypt answers key_version 1 and decrypts back, existing or upserted key', async () => {
    await fresh()
    await ok('POST', 'keys/existing_key')
    for (const key of ['existing_key', 'upserted_key']) {
      const enc = await ok('POST', `encrypt/${key}`, { plaintext: fox })
      assert.equal(enc.body.data.key_version, 1)
      const dec = await ok('POST', `decrypt/${key}`, { ciphertext: enc.body.data.ciphertext })
      assert.equal(dec.body.data.plaintext, fox)
    }
    await ok('GET', 'keys/upserted_key')
  })

  it('TestTransit_BatchEncryptionCase12: a batch_input item that is not an object is refused', async () => {
    await fresh()
    // Case3 (batch_input as a JSON string) is refused by Vault; Coffer parses the string, on purpose.
    await refused('POST', 'encrypt/upserted_key', { batch_input: [{}, 'unexpected_interface'] })
  })

  it('TestTransit_BatchEncryptionCase4-7: batch items keep their reference and decrypt back, derived keys with their context', async () => {
    await fresh()
    await ok('POST', 'keys/existing_key')
    let res = await ok('POST', 'encrypt/existing_key', {
      batch_input: [
        { plaintext: fox, reference: 'b' },
        { plaintext: fox, reference: 'a' },
      ],
    })
    assert.deepEqual(
      res.body.data.batch_results.map((r: { reference: string }) => r.reference),
      ['b', 'a'],
    )
    for (const item of res.body.data.batch_results) {
      assert.equal(item.key_version, 1)
      assert.equal(
        (await ok('POST', 'decrypt/existing_key', { ciphertext: item.ciphertext })).body.data.plaintext,
        fox,
      )
    }
    await ok('POST', 'keys/derived_key', { derived: true })
    for (const key of ['derived_key', 'upserted_derived']) {
      res = await ok('POST', `encrypt/${key}`, {
        batch_input: [
          { plaintext: fox, context: ctx },
          { plaintext: fox, context: ctx },
        ],
      })
      for (const item of res.body.data.batch_results) {
        assert.equal(item.key_version, 1)
        const dec = await ok('POST', `decrypt/${key}`, { ciphertext: item.ciphertext, context: ctx })
        assert.equal(dec.body.data.plaintext, fox)
      }
    }
    assert.equal((await ok('GET', 'keys/upserted_derived')).body.data.derived, true)
    res = await ok('POST', 'encrypt/upserted_plain', {
      batch_input: [{ plaintext: fox }, { plaintext: fox }],
    })
    for (const item of res.body.data.batch_results) {
      assert.equal(
        (await ok('POST', 'decrypt/upserted_plain', { ciphertext: item.ciphertext })).body.data.plaintext,
        fox,
      )
    }
  })

  it('TestTransit_BatchEncryptionCase8, 9 and 11: bad base64 is refused; batch_input wins over plaintext; a bad context fails its item alone', async () => {
    await fresh()
    await ok('POST', 'keys/existing_key')
    await refused('POST', 'encrypt/existing_key', { batch_input: [{ plaintext: 'simple_plaintext' }] })
    await refused('POST', 'encrypt/existing_key', { plaintext: 'simple plaintext' })
    let res = await ok('POST', 'encrypt/upserted_key', {
      batch_input: [{ plaintext: fox }, { plaintext: fox }],
      plaintext: fox,
    })
    assert.equal(res.body.data.ciphertext, undefined)
    assert.equal(res.body.data.batch_results.length, 2)
    res = await call('POST', 'encrypt/upserted_badctx', {
      batch_input: [
        { plaintext: fox, context: ctx },
        { plaintext: fox, context: 'not-encoded' },
      ],
    })
    assert.ok(res.status < 500, JSON.stringify(res.body))
    assert.ok(res.body.data.batch_results[0].ciphertext)
    assert.ok(res.body.data.batch_results[1].error)
  })

  it('TestTransit_BatchEncryptionCase10: context must be in every batch item or in none, for encrypt, decrypt and rewrap', async () => {
    await fresh()
    const mixed = [{ plaintext: fox }, { plaintext: fox, context: ctx }]
    let res = await refused('POST', 'encrypt/upserted_key', { batch_input: mixed })
    assert.deepEqual(res.body.errors, ['context should be set either in all the request blocks or in none'])
    assert.equal((await call('GET', 'keys/upserted_key')).status, 404, 'the refused upsert made no key')
    await ok('POST', 'keys/k')
    await refused('POST', 'encrypt/k', {
      batch_input: [{ plaintext: fox, context: ctx }, { plaintext: fox }],
    })
    const ct = (await ok('POST', 'encrypt/k', { plaintext: fox })).body.data.ciphertext
    for (const op of ['decrypt', 'rewrap']) {
      res = await refused('POST', `${op}/k`, {
        batch_input: [{ ciphertext: ct }, { ciphertext: ct, context: ctx }],
      })
      assert.deepEqual(
        res.body.errors,
        ['context should be set either in all the request blocks or in none'],
        op,
      )
    }
  })

  it('TestTransit_BatchDecryption: empty and newline plaintexts round-trip with their references', async () => {
    await fresh()
    const enc = await ok('POST', 'encrypt/upserted_key', {
      batch_input: [
        { plaintext: '', reference: 'foo' },
        { plaintext: 'Cg==', reference: 'bar' },
        { plaintext: fox, reference: 'baz' },
      ],
    })
    const dec = await ok('POST', 'decrypt/upserted_key', {
      batch_input: enc.body.data.batch_results.map((r: { ciphertext: string; reference: string }) => ({
        ciphertext: r.ciphertext,
        reference: r.reference,
      })),
    })
    assert.deepEqual(dec.body.data.batch_results, [
      { plaintext: '', reference: 'foo' },
      { plaintext: 'Cg==', reference: 'bar' },
      { plaintext: fox, reference: 'baz' },
    ])
  })

  it('TestTransit_BatchDecryption_DerivedKey: per-item errors, 400 on any failure unless partial_failure_response_code says otherwise', async () => {
    await fresh()
    await ok('POST', 'keys/existing_key', { derived: true })
    const items = [
      { plaintext: fox, context: 'dGVzdGNvbnRleHQ=' },
      { plaintext: 'anVtcGVkIG92ZXIgdGhlIGxhenkgZG9n', context: 'dGVzdGNvbnRleHQy' },
    ] as const
    const enc = (await ok('POST', 'encrypt/existing_key', { batch_input: items })).body.data.batch_results
    const decrypt = (batch_input: unknown, extra: Record<string, unknown> = {}) =>
      call('POST', 'decrypt/existing_key', { batch_input, ...extra })
    await refused('POST', 'decrypt/existing_key', { batch_input: [] })
    let res = await decrypt([{ ciphertext: enc[0].ciphertext, context: items[0].context }])
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.batch_results, [{ plaintext: items[0].plaintext, reference: '' }])
    res = await decrypt([{ ciphertext: 'xxx', context: items[0].context }])
    assert.equal(res.status, 400)
    assert.match(res.body.data.batch_results[0].error, /invalid ciphertext/)
    res = await decrypt([{ ciphertext: enc[0].ciphertext, context: items[1].context }])
    assert.equal(res.status, 400)
    assert.ok(res.body.data.batch_results[0].error)
    res = await decrypt([
      { ciphertext: enc[0].ciphertext, context: items[0].context },
      { ciphertext: enc[1].ciphertext, context: items[1].context },
    ])
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.batch_results, [
      { plaintext: items[0].plaintext, reference: '' },
      { plaintext: items[1].plaintext, reference: '' },
    ])
    const partial = [
      { ciphertext: enc[0].ciphertext, context: items[1].context },
      { ciphertext: enc[1].ciphertext, context: items[1].context },
    ]
    res = await decrypt(partial)
    assert.equal(res.status, 400)
    assert.ok(res.body.data.batch_results[0].error)
    assert.equal(res.body.data.batch_results[1].plaintext, items[1].plaintext)
    res = await decrypt(partial, { partial_failure_response_code: 202 })
    assert.equal(res.status, 202)
    assert.equal(res.body.data.batch_results[1].plaintext, items[1].plaintext)
    const failing = [
      { ciphertext: enc[0].ciphertext, context: items[1].context },
      { ciphertext: enc[1].ciphertext, context: items[0].context },
    ]
    assert.equal((await decrypt(failing)).status, 400)
    assert.equal((await decrypt(failing, { partial_failure_response_code: 202 })).status, 400)
  })

  it('TestTransit_BatchRewrapCase1-3: rewrap after a rotation moves ciphertexts to v2, with context and in batches', async () => {
    await fresh()
    const enc = await ok('POST', 'encrypt/upserted_key', { plaintext: fox })
    assert.match(enc.body.data.ciphertext, /^vault:v1:/)
    assert.equal((await ok('GET', 'keys/upserted_key')).body.data.latest_version, 1)
    await ok('POST', 'keys/upserted_key/rotate')
    assert.equal((await ok('GET', 'keys/upserted_key')).body.data.latest_version, 2)
    let res = await ok('POST', 'rewrap/upserted_key', { ciphertext: enc.body.data.ciphertext })
    assert.notEqual(res.body.data.ciphertext, enc.body.data.ciphertext)
    assert.match(res.body.data.ciphertext, /^vault:v2:/)
    assert.equal(res.body.data.key_version, 2)

    const encCtx = await ok('POST', 'encrypt/upserted_ctx', { plaintext: fox, context: ctx })
    await ok('POST', 'keys/upserted_ctx/rotate')
    res = await ok('POST', 'rewrap/upserted_ctx', { ciphertext: encCtx.body.data.ciphertext, context: ctx })
    assert.match(res.body.data.ciphertext, /^vault:v2:/)
    assert.equal(res.body.data.key_version, 2)

    const batch = await ok('POST', 'encrypt/upserted_batch', {
      batch_input: [
        { plaintext: ctx, reference: 'ek' },
        { plaintext: fox, reference: 'do' },
      ],
    })
    await ok('POST', 'keys/upserted_batch/rotate')
    res = await ok('POST', 'rewrap/upserted_batch', {
      batch_input: batch.body.data.batch_results.map((r: { ciphertext: string; reference: string }) => ({
        ciphertext: r.ciphertext,
        reference: r.reference,
      })),
    })
    const rewrapped = res.body.data.batch_results
    assert.equal(rewrapped.length, 2)
    for (const [i, item] of rewrapped.entries()) {
      assert.equal(item.reference, ['ek', 'do'][i])
      assert.match(item.ciphertext, /^vault:v2:/)
      assert.equal(item.key_version, 2)
      const dec = await ok('POST', 'decrypt/upserted_batch', { ciphertext: item.ciphertext })
      assert.equal(dec.body.data.plaintext, [ctx, fox][i])
    }
  })

  it('TestTransit_ConfigSettings: min versions bound which versions encrypt, sign, HMAC and decrypt', async () => {
    await fresh()
    const types: [string, Record<string, unknown>][] = [
      ['aes256', { derived: true }],
      ['aes128', { derived: true, type: 'aes128-gcm96' }],
      ['ed', { derived: true, type: 'ed25519' }],
      ['p256', { type: 'ecdsa-p256' }],
      ['p384', { type: 'ecdsa-p384' }],
      ['p521', { type: 'ecdsa-p521' }],
    ]
    for (const [name, body] of types) {
      await ok('POST', `keys/${name}`, body)
      for (let i = 0; i < 4; i++) await ok('POST', `keys/${name}/rotate`)
    }
    await refused('POST', 'keys/aes256/config', { min_decryption_version: 7 })
    await refused('POST', 'keys/aes256/config', { min_decryption_version: -1 })
    await refused('POST', 'keys/aes256/config', { min_encryption_version: 7 })
    await refused('POST', 'keys/aes256/config', { min_decryption_version: 3, min_encryption_version: 2 })
    for (const [name] of types)
      await ok('POST', `keys/${name}/config`, { min_decryption_version: 2, min_encryption_version: 3 })

    const version = (text: string) => text.split(':')[1]
    const base = (key: string) => (key.startsWith('aes') || key === 'ed' ? { context: 'abcd' } : {})
    for (const key of ['aes256', 'aes128', 'ed', 'p256', 'p384', 'p521']) {
      for (const ver of [5, 4, 3, 2]) {
        const pinned = ver === 5 ? {} : { key_version: ver }
        const hmac = await call('POST', `hmac/${key}`, { input: 'abcd', ...base(key), ...pinned })
        if (ver === 2) {
          assert.equal(hmac.status, 400, `${key} hmac v2`)
        } else {
          assert.equal(version(hmac.body.data.hmac), `v${ver}`, `${key} hmac v${ver}`)
          const verified = await ok('POST', `verify/${key}`, {
            input: 'abcd',
            hmac: hmac.body.data.hmac,
            ...base(key),
          })
          assert.equal(verified.body.data.valid, true)
        }
        if (key.startsWith('aes')) {
          const enc = await call('POST', `encrypt/${key}`, { plaintext: 'abcd', context: 'abcd', ...pinned })
          if (ver === 2) {
            assert.equal(enc.status, 400, `${key} encrypt v2`)
            continue
          }
          assert.equal(version(enc.body.data.ciphertext), `v${ver}`)
          await ok('POST', `decrypt/${key}`, { ciphertext: enc.body.data.ciphertext, context: 'abcd' })
        } else {
          const signed = await call('POST', `sign/${key}`, { input: 'abcd', ...base(key), ...pinned })
          if (ver === 2) {
            assert.equal(signed.status, 400, `${key} sign v2`)
            continue
          }
          assert.equal(version(signed.body.data.signature), `v${ver}`)
          const verified = await ok('POST', `verify/${key}`, {
            input: 'abcd',
            signature: signed.body.data.signature,
            ...base(key),
          })
          assert.equal(verified.body.data.valid, true)
        }
      }
    }
  })

  it('TestTransit_UpdateKeyConfigWithAutorotation: auto_rotate_period of 0 turns it off; under an hour, negative or garbage is refused', async () => {
    await fresh()
    const cases: [string | undefined, unknown, boolean, number][] = [
      ['5h', undefined, false, 5 * 3600],
      ['5h', 0, false, 0],
      ['5h', '0', false, 0],
      [undefined, '5s', true, 0],
      [undefined, '5h', false, 5 * 3600],
      [undefined, '-1800s', true, 0],
      [undefined, "this shouldn't work", true, 0],
    ]
    for (const [i, [initial, next, fails, want]] of cases.entries()) {
      await ok('POST', `keys/k${i}`, initial === undefined ? {} : { auto_rotate_period: initial })
      const res = await call(
        'POST',
        `keys/k${i}/config`,
        next === undefined ? {} : { auto_rotate_period: next },
      )
      if (fails) {
        assert.equal(res.status, 400, `${i}: ${JSON.stringify(res.body)}`)
        continue
      }
      assert.ok(res.status < 300, `${i}: ${JSON.stringify(res.body)}`)
      assert.equal((await ok('GET', `keys/k${i}`)).body.data.auto_rotate_period, want, String(i))
    }
  })

  it('TestTransit_Hash: digests for every algorithm and format; bad input, format or algorithm refused', async () => {
    await fresh()
    const hash = (path: string, body: Record<string, unknown>) => call('POST', path, { input: fox, ...body })
    const cases: [string, Record<string, unknown>, string][] = [
      ['hash', {}, '9ecb36561341d18eb65484e833efea61edc74b84cf5e6ae1b81c63533e25fc8f'],
      ['hash/sha2-224', {}, 'ea074a96cabc5a61f8298a2c470f019074642631a49e1c5e2f560865'],
      ['hash', { algorithm: 'sha2-224' }, 'ea074a96cabc5a61f8298a2c470f019074642631a49e1c5e2f560865'],
      [
        'hash',
        { algorithm: 'sha2-384' },
        '15af9ec8be783f25c583626e9491dbf129dd6dd620466fdf05b3a1d0bb8381d30f4d3ec29f923ff1e09a0f6b337365a6',
      ],
      [
        'hash',
        { algorithm: 'sha2-512', format: 'base64' },
        '2dOA8puXrWodkumH2D+loCZTMB4QBt0rzVGvpZqRR+nK7a+JUhq8DwtoKtzUf7USuDQ8g0oy8yb+m+8AVCzohw==',
      ],
      ['hash', { algorithm: 'sha3-224' }, 'ced91e69d89c837e87cff960bd64fd9b9f92325fb9add8988d33d007'],
      ['hash', { algorithm: 'sha3-256' }, 'e4bd866ec3fa52df3b7842aa97b448bc859a7606cefcdad1715847f4b82a6c93'],
      [
        'hash',
        { algorithm: 'sha3-512', format: 'base64' },
        '98rFrYMEIqVAizamCmBiBoe+GAdlo+KJW8O9vYV8nggkbIMGTU42EvDLkn8+rSCEE6uYYkv3sGF68PA/YggJdg==',
      ],
    ]
    for (const [path, body, sum] of cases) {
      const res = await hash(path, body)
      assert.equal(res.body.data?.sum, sum, `${path} ${JSON.stringify(body)}`)
    }
    assert.equal((await call('POST', 'hash', { algorithm: 'sha3-512' })).status, 400)
    assert.equal((await hash('hash', { format: 'base92' })).status, 400)
    assert.equal((await hash('hash', { algorithm: 'foobar' })).status, 400)
    assert.equal((await call('POST', 'hash', { input: 'foobar' })).status, 400)
  })

  it('TestTransit_Random: every source and byte count in base64 and hex; bad format and sizes refused', async () => {
    await fresh()
    const decode = (text: string, format: string) => Buffer.from(text, format === 'hex' ? 'hex' : 'base64')
    const twice = async (path: string, body: Record<string, unknown>, format: string, bytes: number) => {
      const a = decode((await ok('POST', path, body)).body.data.random_bytes, format)
      const b = decode((await ok('POST', path, body)).body.data.random_bytes, format)
      assert.equal(a.length, bytes, path)
      assert.equal(b.length, bytes, path)
      assert.notDeepEqual(a, b)
    }
    for (const source of ['', 'platform', 'seal', 'all']) {
      const src = source === '' ? {} : { source }
      await twice('random', { ...src, bytes: 32, format: 'base64' }, 'base64', 32)
      await twice('random/24', { ...src, format: 'hex' }, 'hex', 24)
      if (source !== '') {
        await twice(`random/${source}`, { format: 'hex' }, 'hex', 32)
        await twice(`random/${source}/24`, { format: 'hex' }, 'hex', 24)
      }
      await refused('POST', 'random', { ...src, format: 'base92' })
      await refused('POST', 'random', { ...src, format: 'hex', bytes: -1 })
      await refused('POST', 'random', { ...src, format: 'hex', bytes: 128 * 1024 + 1 })
    }
  })

  /** Vault's BYOK blob: RSA-OAEP(SHA-256) of an ephemeral AES-256 key, then AES key wrap with padding of the material. */
  const wrapForImport = async (material: Buffer) => {
    const publicKey = (await ok('GET', 'wrapping_key')).body.data.public_key
    const ephemeral = crypto.randomBytes(32)
    const wrapped = crypto.publicEncrypt(
      { key: publicKey, oaepHash: 'sha256', padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
      ephemeral,
    )
    const kwp = crypto.createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'))
    return Buffer.concat([wrapped, kwp.update(material), kwp.final()]).toString('base64')
  }

  it('TestTransit_HMAC: known HMACs for every algorithm over a known key; bad algorithm or input refused; min_decryption_version', async () => {
    await fresh()
    // OpenBao plants the HMAC key in storage; over HTTP an imported hmac key carries the same bytes.
    await ok('POST', 'keys/foo/import', {
      ciphertext: await wrapForImport(Buffer.from('01234567890123456789012345678901')),
      type: 'hmac',
    })
    const cases: [string, Record<string, unknown>, string][] = [
      ['hmac/foo', {}, 'vault:v1:UcBvm5VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4='],
      ['hmac/foo/sha2-224', {}, 'vault:v1:3p+ZWVquYDvu2dSTCa65Y3fgoMfIAc6fNaBbtg=='],
      ['hmac/foo', { algorithm: 'sha2-224' }, 'vault:v1:3p+ZWVquYDvu2dSTCa65Y3fgoMfIAc6fNaBbtg=='],
      [
        'hmac/foo',
        { algorithm: 'sha2-384' },
        'vault:v1:jDB9YXdPjpmr29b1JCIEJO93IydlKVfD9mA2EO9OmJtJQg3QAV5tcRRRb7IQGW9p',
      ],
      [
        'hmac/foo',
        { algorithm: 'sha2-512', format: 'base64' },
        'vault:v1:PSXLXvkvKF4CpU65e2bK1tGBZQpcpCEM32fq2iUoiTyQQCfBcGJJItQ+60tMwWXAPQrC290AzTrNJucGrr4GFA==',
      ],
      ['hmac/foo', { algorithm: 'sha3-224' }, 'vault:v1:TGipmKH8LR/BkMolYpDYy0BJCIhTtGPDhV2VkQ=='],
      ['hmac/foo', { algorithm: 'sha3-256' }, 'vault:v1:+px9V/7QYLfdK808zPESC2T/L33uFf4Blzsn9Jy838o='],
      [
        'hmac/foo',
        { algorithm: 'sha3-384' },
        'vault:v1:YGoRwN4UdTRYZeOER86jsQOB8piWenzLDzJ2wJQK/Jq59rAsY8lh7SCdqqCyFg70',
      ],
      [
        'hmac/foo',
        { algorithm: 'sha3-512' },
        'vault:v1:GrNA8sU88naMPEQ7UZGj9EJl7YJhl03AFHfxcEURFrtvnobdea9ZlZHePpxAx/oCaC7R2HkrAO+Tu3uXPIl3lg==',
      ],
    ]
    for (const [path, body, want] of cases) {
      const res = await ok('POST', path, { input: fox, ...body })
      assert.equal(res.body.data.hmac, want, `${path} ${JSON.stringify(body)}`)
      const verifyPath = path.replace('hmac/', 'verify/')
      const verified = await ok('POST', verifyPath, {
        input: fox,
        hmac: want,
        hash_algorithm: body['algorithm'],
      })
      assert.equal(verified.body.data.valid, true, `${verifyPath} ${JSON.stringify(body)}`)
    }
    await refused('POST', 'hmac/foo', { input: fox, algorithm: 'foobar' })
    await refused('POST', 'hmac/foo', { input: 'foobar' })
    const bad = 'vault:v1:UcBvm4VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4='
    assert.equal((await ok('POST', 'verify/foo', { input: fox, hmac: bad })).body.data.valid, false)
  })

  it('TestTransit_batchHMAC: per-item HMACs, references and errors; batch verify', async () => {
    await fresh()
    await ok('POST', 'keys/foo/import', {
      ciphertext: await wrapForImport(Buffer.from('01234567890123456789012345678901')),
      type: 'hmac',
    })
    const res = await call('POST', 'hmac/foo', {
      batch_input: [
        { input: fox, reference: 'one' },
        { input: fox, reference: 'two' },
        { input: '', reference: 'three' },
        { input: ':;.?', reference: 'four' },
      ],
    })
    const results = res.body.data.batch_results
    assert.equal(results.length, 4)
    assert.equal(results[0].hmac, 'vault:v1:UcBvm5VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4=')
    assert.equal(results[1].hmac, 'vault:v1:UcBvm5VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4=')
    assert.equal(results[2].hmac, 'vault:v1:BCfVv6rlnRsIKpjCZCxWvh5iYwSSabRXpX9XJniuNgc=')
    assert.equal(results[3].error, 'unable to decode input as base64: illegal base64 data at input byte 0')
    assert.deepEqual(
      results.map((r: { reference: string }) => r.reference),
      ['one', 'two', 'three', 'four'],
    )
    const good = 'vault:v1:UcBvm5VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4='
    const bad = 'vault:v1:UcBvm4VskkukzZHlPgm3p5P/Yr/PV6xpuOGZISya3A4='
    let verified = await ok('POST', 'verify/foo', { batch_input: [{ input: fox, hmac: good }] })
    assert.equal(verified.body.data.batch_results[0].valid, true)
    verified = await ok('POST', 'verify/foo', { batch_input: [{ input: fox, hmac: bad }] })
    assert.equal(verified.body.data.batch_results[0].valid, false)
  })

  it('TestTransit_batchHMAC (missing input): an item without input fails alone with "missing input for HMAC"; an empty one is HMACed', async () => {
    await fresh()
    await ok('POST', 'keys/foo')
    const res = await call('POST', 'hmac/foo', {
      batch_input: [{ input: '', reference: 'empty' }, { reference: 'none' }],
    })
    const [empty, none] = res.body.data.batch_results
    assert.match(empty.hmac, /^vault:v1:/)
    assert.deepEqual(none, { error: 'missing input for HMAC', reference: 'none' })
    // Vault answers sign, verify and hmac batches 200 whatever their items' errors.
    assert.equal(res.status, 200)
  })

  it('TestTransit_Trim: trim needs min_available_version within the min versions, and drops the older versions', async () => {
    await fresh()
    await ok('POST', 'keys/aes')
    for (let i = 0; i < 4; i++) await ok('POST', 'keys/aes/rotate')
    await refused('POST', 'keys/aes/trim', { min_available_version: 1 })
    await ok('POST', 'keys/aes/config', { min_encryption_version: 0 })
    await refused('POST', 'keys/aes/trim', { min_available_version: null })
    await ok('POST', 'keys/aes/config', { min_encryption_version: 4 })
    await ok('POST', 'keys/aes/config', { min_decryption_version: 3 })
    for (const v of [5, 4, -1, 0]) await refused('POST', 'keys/aes/trim', { min_available_version: v })
    await ok('POST', 'keys/aes/trim', { min_available_version: 3 })
    assert.deepEqual(Object.keys((await ok('GET', 'keys/aes')).body.data.keys), ['3', '4', '5'])
    await refused('POST', 'keys/aes/config', { min_decryption_version: 1 })
    await refused('POST', 'keys/aes/config', { min_encryption_version: 2 })
    for (let i = 0; i < 5; i++) await ok('POST', 'keys/aes/rotate')
    await ok('POST', 'keys/aes/config', { min_encryption_version: 7 })
    await ok('POST', 'keys/aes/config', { min_decryption_version: 7 })
    await ok('POST', 'keys/aes/trim', { min_available_version: 7 })
    assert.deepEqual(Object.keys((await ok('GET', 'keys/aes')).body.data.keys), ['7', '8', '9', '10'])
    await ok('POST', 'keys/aes/config', { min_encryption_version: 10 })
    await ok('POST', 'keys/aes/config', { min_decryption_version: 9 })
    await ok('POST', 'keys/aes/config', { min_decryption_version: 8 })
    await ok('POST', 'keys/aes/config', { min_encryption_version: 8 })
    const key = (await ok('GET', 'keys/aes')).body.data
    assert.deepEqual([key.min_encryption_version, key.min_decryption_version], [8, 8])
    assert.deepEqual(Object.keys(key.keys), ['8', '9', '10'])
    assert.equal(key.min_available_version, 7)
  })

  it('TestTransit_Trim (zero): min_available_version 0 is refused as not positive, and nothing changes', async () => {
    await fresh()
    await ok('POST', 'keys/aes')
    for (let i = 0; i < 2; i++) await ok('POST', 'keys/aes/rotate')
    await ok('POST', 'keys/aes/config', { min_encryption_version: 2, min_decryption_version: 2 })
    const res = await refused('POST', 'keys/aes/trim', { min_available_version: 0 })
    assert.deepEqual(res.body.errors, ['minimum available version should be positive'])
    await ok('POST', 'keys/aes/config', { min_decryption_version: 1 })
    const key = (await ok('GET', 'keys/aes')).body.data
    assert.deepEqual(Object.keys(key.keys), ['1', '2', '3'])
    assert.equal(key.min_available_version, 0)
  })

  it('TestTransit_Export_KeyVersion_ExportsCorrectVersion and _ValidVersionsOnly: v<N>, N and latest; only decryptable versions', async () => {
    await fresh()
    const cases: [string, string][] = [
      ['encryption-key', 'aes256-gcm96'],
      ['encryption-key', 'chacha20-poly1305'],
      ['encryption-key', 'rsa-2048'],
      ['signing-key', 'ecdsa-p256'],
      ['signing-key', 'ed25519'],
      ['hmac-key', 'aes128-gcm96'],
      ['hmac-key', 'ecdsa-p384'],
      ['hmac-key', 'hmac'],
    ]
    for (const [i, [exportType, type]] of cases.entries()) {
      const name = `foo${i}`
      await ok('POST', `keys/${name}`, {
        exportable: true,
        type,
        ...(type === 'hmac' ? { key_size: 32 } : {}),
      })
      const check = async (request: string, version: number) => {
        const data = (await ok('GET', `export/${exportType}/${name}/${request}`)).body.data
        assert.equal(data.type, type)
        assert.deepEqual(Object.keys(data.keys), [String(version)], `${type} ${request}`)
      }
      await check('v1', 1)
      await check('1', 1)
      await check('latest', 1)
      await ok('POST', `keys/${name}/rotate`)
      await check('v1', 1)
      await check('v2', 2)
      await check('2', 2)
      await check('latest', 2)
    }
    await ok('POST', 'keys/valid', { exportable: true })
    await ok('POST', 'keys/valid/rotate')
    await ok('POST', 'keys/valid/rotate')
    const versions = async () => Object.keys((await ok('GET', 'export/encryption-key/valid')).body.data.keys)
    assert.deepEqual(await versions(), ['1', '2', '3'])
    await ok('POST', 'keys/valid/config', { min_decryption_version: 3 })
    assert.deepEqual(await versions(), ['3'])
    await ok('POST', 'keys/valid/config', { min_decryption_version: 2 })
    assert.deepEqual(await versions(), ['2', '3'])
    await ok('POST', 'keys/valid/rotate')
    assert.deepEqual(await versions(), ['2', '3', '4'])
  })

  it('TestTransit_Export_*_ReturnsError, _ReturnsNotFound and _DoesNotExportHMACKey: what cannot be exported, and the HMAC key is its own', async () => {
    await fresh()
    await ok('POST', 'keys/plain', { exportable: false })
    await refused('GET', 'export/encryption-key/plain')
    await ok('POST', 'keys/aes', { exportable: true, type: 'aes256-gcm96' })
    await refused('GET', 'export/signing-key/aes')
    for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519']) {
      await ok('POST', `keys/${type}`, { exportable: true, type })
      await refused('GET', `export/encryption-key/${type}`)
    }
    assert.equal((await call('GET', 'export/encryption-key/absent')).status, 404)
    const enc = (await ok('GET', 'export/encryption-key/aes')).body.data.keys
    const hmac = (await ok('GET', 'export/hmac-key/aes')).body.data.keys
    assert.equal(Object.keys(hmac).length, Object.keys(enc).length)
    assert.notDeepEqual(hmac, enc)
  })

  it("TestTransit_Export_CorrectFormat: PEM for RSA and EC keys, base64 for the others (format=der|pem is OpenBao's own)", async () => {
    await fresh()
    const keyOf = async (path: string, format?: string) => {
      const keys = (await ok('GET', `${path}${format ? `?format=${format}` : ''}`)).body.data.keys
      assert.equal(Object.keys(keys).length, 1)
      return Object.values(keys)[0] as string
    }
    await ok('POST', 'keys/rsa', { exportable: true, type: 'rsa-2048' })
    await ok('POST', 'keys/ec', { exportable: true, type: 'ecdsa-p256' })
    await ok('POST', 'keys/ed', { exportable: true, type: 'ed25519' })
    await ok('POST', 'keys/aes', { exportable: true, type: 'aes256-gcm96' })
    // Default: RSA as PKCS#1, EC as SEC1, public keys as SPKI.
    assert.match(await keyOf('export/encryption-key/rsa'), /^-----BEGIN RSA PRIVATE KEY-----/)
    assert.match(await keyOf('export/signing-key/ec'), /^-----BEGIN EC PRIVATE KEY-----/)
    assert.match(await keyOf('export/public-key/rsa'), /^-----BEGIN PUBLIC KEY-----/)
    assert.equal(Buffer.from(await keyOf('export/signing-key/ed'), 'base64').length, 64)
    assert.equal(Buffer.from(await keyOf('export/encryption-key/aes'), 'base64').length, 32)
    assert.equal(Buffer.from(await keyOf('export/encryption-key/aes', 'raw'), 'base64').length, 32)
    assert.equal(Buffer.from(await keyOf('export/hmac-key/ec', 'raw'), 'base64').length, 32)
  })

  it('TestTransit_BackupRestore: a backup restores under its name or a new one and keeps encrypting, signing and HMACing', async () => {
    await fresh()
    const cases: [string, string][] = [
      ['aes256-gcm96', 'encrypt'],
      ['chacha20-poly1305', 'encrypt'],
      ['rsa-2048', 'encrypt'],
      ['ecdsa-p256', 'sign'],
      ['ed25519', 'sign'],
      ['rsa-2048', 'sign'],
      ['aes128-gcm96', 'hmac'],
      ['ed25519', 'hmac'],
      ['hmac', 'hmac'],
    ]
    for (const [i, [type, feature]] of cases.entries()) {
      const name = `test${i}`
      await ok('POST', `keys/${name}`, {
        type,
        exportable: true,
        ...(type === 'hmac' ? { key_size: 32 } : {}),
      })
      await ok('POST', `keys/${name}/config`, { deletion_allowed: true, allow_plaintext_backup: true })
      const backup = (await ok('GET', `backup/${name}`)).body.data.backup
      await refused('POST', 'restore', { backup })
      let proof = ''
      if (feature === 'encrypt')
        proof = (await ok('POST', `encrypt/${name}`, { plaintext: fox })).body.data.ciphertext
      if (feature === 'sign') proof = (await ok('POST', `sign/${name}`, { input: fox })).body.data.signature
      if (feature === 'hmac') proof = (await ok('POST', `hmac/${name}`, { input: fox })).body.data.hmac
      await ok('DELETE', `keys/${name}`)
      const check = async (key: string) => {
        if (feature === 'encrypt')
          assert.equal((await ok('POST', `decrypt/${key}`, { ciphertext: proof })).body.data.plaintext, fox)
        if (feature === 'sign')
          assert.equal(
            (await ok('POST', `verify/${key}`, { input: fox, signature: proof })).body.data.valid,
            true,
          )
        if (feature === 'hmac')
          assert.equal((await ok('POST', `verify/${key}`, { input: fox, hmac: proof })).body.data.valid, true)
      }
      await ok('POST', 'restore', { backup })
      await check(name)
      await ok('POST', `restore/${name}-copy`, { backup })
      await check(`${name}-copy`)
    }
  })

  it('TestTransit_Restore: force decides over an existing key; a new name may not hold a slash', async () => {
    await fresh()
    await ok('POST', 'keys/my-key', { type: 'aes256-gcm96', exportable: true })
    await ok('POST', 'keys/my-key/config', { deletion_allowed: true, allow_plaintext_backup: true })
    const backup = (await ok('GET', 'backup/my-key')).body.data.backup
    await ok('DELETE', 'keys/my-key')
    const cases: [string, boolean, boolean | undefined, string, boolean][] = [
      ['default restore', false, undefined, '', true],
      ['without force', true, undefined, '', false],
      ['with force', true, true, '', true],
      ['with force, no seed', false, true, '', true],
      ['new name', true, undefined, 'new-key', true],
      ['new name, bad path', true, undefined, 'sub/path/new-key', false],
      ['force, seed, new name', true, true, 'other-key', true],
      ['no force, seed, new name', true, false, 'other-key', true],
      ['force false', false, false, '', true],
      ['force false, seed', true, false, '', false],
    ]
    for (const [label, seed, force, restoreName, succeeds] of cases) {
      if (seed) await ok('POST', 'restore', { backup })
      const res = await call('POST', restoreName ? `restore/${restoreName}` : 'restore', {
        backup,
        ...(force === undefined ? {} : { force }),
      })
      // A name with a slash matches no restore path here (404); Vault answers it with a 500.
      if (succeeds) assert.ok(res.status < 300, `${label}: ${JSON.stringify(res.body)}`)
      else assert.ok(res.status === 400 || res.status === 404, `${label}: ${JSON.stringify(res.body)}`)
      if (!succeeds && !restoreName) assert.deepEqual(res.body.errors, ['key "my-key" already exists'], label)
      const readName = restoreName || 'my-key'
      if (succeeds) assert.equal((await call('GET', `keys/${readName}`)).status, 200, label)
      for (const name of ['my-key', 'new-key', 'other-key']) {
        if ((await call('GET', `keys/${name}`)).status === 200) {
          await ok('POST', `keys/${name}/config`, { deletion_allowed: true })
          await ok('DELETE', `keys/${name}`)
        }
      }
    }
  })

  /** A PKCS#8 DER of the EC key with private scalar `d` (hex), as OpenBao plants it in storage. */
  const ecPkcs8 = (curve: string, x: string, y: string, d: string) => {
    const size = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve] ?? 32
    const b64url = (hex: string) => Buffer.from(hex.padStart(size * 2, '0'), 'hex').toString('base64url')
    return crypto
      .createPrivateKey({
        key: { kty: 'EC', crv: curve, x: b64url(x), y: b64url(y), d: b64url(d) },
        format: 'jwk',
      })
      .export({ format: 'der', type: 'pkcs8' }) as Buffer
  }

  it('TestTransit_SignVerify_ECDSA: known signatures verify; every hash, prehashed, asn1 and jws; bad marshaling, hash or input refused', async () => {
    await fresh()
    const vectors: [number, string, string, string, string][] = [
      [
        256,
        '7336010a6da5935113d26d9ea4bb61b3b8d102c9a8083ed432f9b58fd7e80686',
        '4040aa31864691a8a9e7e3ec9250e85425b797ad7be34ba8df62bfbad45ebb0e',
        '99e5569be8683a2691dfc560ca9dfa71e887867a3af60635a08a3e3655aba3ef',
        'vault:v1:MEUCIAgnEl9V8P305EBAlz68Nq4jZng5fE8k6MactcnlUw9dAiEAvJVePg3dazW6MaW7lRAVtEz82QJDVmR98tXCl8Pc7DA=',
      ],
      [
        384,
        '703457a84e48bfcb037cfb509f1870d2aa5b74c109c2f24624ab21444492575229f8711453e5c656dab596b4e26db30e',
        '411c5b7092a893dc8b7af39de3d21d1c26f45b27616baeac4c479ef3c9f21c194b5ac501dee47ba2b2cb243a54256524',
        '3de3e4fd2ecbc490e956f41f5003a1e57a84763cec7b722fa3427cf461a1148ea4d5206023bcce0422289f6633730759',
        'vault:v1:MGUCMHHZLRN/3ehWuWACfSCMLtFtNEAdx6Rkwon2Lx6FWCyXCXqH6A8Pz8er0Qkgvm2ElQIxAO922LmUeYzHmDSfC5is/TjFu3b4Fb+1XtoBXncc2u4t2vSuTAxEv7WMh2D2YDdxeA==',
      ],
      [
        521,
        '1913f75fc044fe5d1f871c2629a377462fd819b174a41d3ec7d04ebd5ae35475ff8de544f4e19a9aa6b16a8f67af479be6884e00ca3147dc24d5924d66ac395e04b',
        '4919406b90d8323fdb5c9c4f48259c56ebcea37b40ad1a82bbbfad62a9b9c2dce515772274b84725471c7d0b7c62e10c23296b1a9d2b2586ada67735ff5d9fffc4',
        '1867d0fcd9bac4c5821b70a6b13117499438f8c274579c0aba254fbd85fa98892c3608576197d5534366a9aab0f904155bec46d800d23a57f7f053d91526568b09',
        'vault:v1:MIGIAkIBYhspOgSs/K/NUWtlBN+CfYe1IVFpUbQNSqdjT7s+QKcr6GKmdGLIQAXw0q6K0elBgzi1wgLjxwdscwMeW7tm/QQCQgDzdITGlUEd9Z7DOfLCnDP4X8pGsfO60Tvsh/BN44drZsHLtXYBXLczB/XZfIWAsPMuI5F7ExwVNbmQP0FBVri/QQ==',
      ],
    ]
    for (const [bits, x, y, d, known] of vectors) {
      const key = `p${bits}`
      const der = ecPkcs8(`P-${bits}`, x, y, d)
      await ok('POST', `keys/${key}/import`, {
        ciphertext: await wrapForImport(der),
        type: `ecdsa-p${bits}`,
        allow_rotation: true,
      })
      const sign = (body: Record<string, unknown>, path = '') =>
        call('POST', `sign/${key}${path}`, { input: fox, ...body })
      const verify = (signature: string, body: Record<string, unknown> = {}, path = '') =>
        call('POST', `verify/${key}${path}`, { input: fox, signature, ...body })
      const valid = async (signature: string, body: Record<string, unknown> = {}, path = '') => {
        const res = await verify(signature, body, path)
        assert.equal(res.status, 200, `${key} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
        return res.body.data.valid
      }
      const invalid = async (signature: string, body: Record<string, unknown> = {}) => {
        const res = await verify(signature, body)
        assert.ok(res.status === 400 || res.body.data.valid === false, `${key} ${JSON.stringify(body)}`)
      }
      let sig = (await sign({})).body.data.signature
      assert.equal(await valid(sig), true)
      await invalid(sig.slice(0, -2))
      assert.equal(await valid(known), true, `${key} known signature`)
      sig = (await sign({}, '/sha2-224')).body.data.signature
      assert.equal(await valid(sig, {}, '/sha2-224'), true)
      for (const hash of [
        'sha2-224',
        'sha2-384',
        'sha2-512',
        'sha3-224',
        'sha3-256',
        'sha3-384',
        'sha3-512',
      ]) {
        sig = (await sign({ hash_algorithm: hash })).body.data.signature
        assert.equal(await valid(sig, { hash_algorithm: hash }), true, `${key} ${hash}`)
      }
      const digest = crypto.createHash('sha512').update(Buffer.from(fox, 'base64')).digest('base64')
      sig = (await sign({ hash_algorithm: 'sha2-512', prehashed: true, input: digest })).body.data.signature
      assert.equal(await valid(sig, { hash_algorithm: 'sha2-512', prehashed: true, input: digest }), true)
      assert.equal((await sign({ marshaling_algorithm: 'asn2' })).status, 400)
      sig = (await sign({ marshaling_algorithm: 'asn1' })).body.data.signature
      await invalid(sig, { marshaling_algorithm: 'jws' })
      sig = (await sign({ marshaling_algorithm: 'jws' })).body.data.signature
      assert.equal(await valid(sig, { marshaling_algorithm: 'jws' }), true)
      await invalid(sig)
      const v1 = (await sign({ hash_algorithm: 'sha2-512' })).body.data.signature
      assert.equal((await sign({ hash_algorithm: 'foobar' })).status, 400)
      assert.equal((await sign({ input: 'foobar' })).status, 400)
      await ok('POST', `keys/${key}/rotate`)
      await ok('POST', `keys/${key}/rotate`)
      await ok('POST', `keys/${key}/config`, { min_decryption_version: 2 })
      sig = (await sign({})).body.data.signature
      assert.equal(await valid(sig), true)
      await invalid(v1, { hash_algorithm: 'sha2-512' })
    }
  })

  it('TestTransit_SignVerify_ED25519: plain and derived keys, wrong key, missing or cut signatures, versions, batches with references', async () => {
    await fresh()
    await ok('POST', 'keys/foo', { type: 'ed25519' })
    await ok('POST', 'keys/bar', { type: 'ed25519', derived: true })
    const body = { input: fox, context: 'abcd' }
    const fooSig = (await ok('POST', 'sign/foo', body)).body.data.signature
    assert.equal((await ok('POST', 'verify/foo', { ...body, signature: fooSig })).body.data.valid, true)
    const barSigned = (await ok('POST', 'sign/bar', body)).body.data
    assert.equal(
      (await ok('POST', 'verify/bar', { ...body, signature: barSigned.signature })).body.data.valid,
      true,
    )
    assert.equal(
      (await ok('POST', 'verify/foo', { ...body, signature: barSigned.signature })).body.data.valid,
      false,
    )
    assert.equal((await call('POST', 'verify/foo', body)).status, 400)
    const cut = await call('POST', 'verify/bar', { ...body, signature: barSigned.signature.slice(0, -2) })
    assert.ok(cut.status === 400 || cut.body.data.valid === false)
    assert.equal(
      (await call('POST', 'sign/bar', { input: fox })).status,
      400,
      'a derived key needs a context',
    )
    for (const key of ['foo', 'bar']) {
      await ok('POST', `keys/${key}/rotate`)
      await ok('POST', `keys/${key}/rotate`)
      await ok('POST', `keys/${key}/config`, { min_decryption_version: 2 })
      const sig = (await ok('POST', `sign/${key}`, body)).body.data.signature
      assert.equal((await ok('POST', `verify/${key}`, { ...body, signature: sig })).body.data.valid, true)
      const old = key === 'foo' ? fooSig : barSigned.signature
      assert.equal((await call('POST', `verify/${key}`, { ...body, signature: old })).status, 400)
    }
    const batch = [
      { context: 'abcd', input: fox, reference: 'uno' },
      { context: 'efgh', input: fox, reference: 'dos' },
    ]
    const signBatch = async (key: string) =>
      (await ok('POST', `sign/${key}`, { batch_input: batch })).body.data.batch_results.map(
        (r: { signature: string }) => r.signature,
      )
    const verifyBatch = (key: string, sigs: string[], items = batch) =>
      call('POST', `verify/${key}`, {
        batch_input: items.map((item, i) => ({ ...item, signature: sigs[i] })),
      })
    const fooSigs = await signBatch('foo')
    let res = await verifyBatch('foo', fooSigs)
    assert.deepEqual(
      res.body.data.batch_results.map((r: { valid: boolean; reference: string }) => [r.valid, r.reference]),
      [
        [true, 'uno'],
        [true, 'dos'],
      ],
    )
    const barSigs = await signBatch('bar')
    res = await verifyBatch('bar', barSigs)
    assert.deepEqual(
      res.body.data.batch_results.map((r: { valid: boolean }) => r.valid),
      [true, true],
    )
    res = await verifyBatch('foo', barSigs)
    assert.deepEqual(
      res.body.data.batch_results.map((r: { valid: boolean }) => r.valid),
      [false, false],
    )
    res = await verifyBatch('bar', [fooSigs[0].slice(0, -2), barSigs[1]])
    assert.ok(res.body.data.batch_results[0].error || res.body.data.batch_results[0].valid === false)
    assert.equal(res.body.data.batch_results[1].valid, true)
    res = await verifyBatch('bar', barSigs, [
      { context: 'abcd', input: fox, reference: '' },
      { input: fox, reference: '' } as (typeof batch)[number],
    ])
    assert.equal(res.body.data.batch_results[0].valid, true)
    assert.ok(res.body.data.batch_results[1].error, 'a derived key needs each item’s context')
    res = await verifyBatch('bar', barSigs, [
      { context: 'abca', input: fox, reference: '' },
      { context: 'efga', input: fox, reference: '' },
    ])
    assert.deepEqual(
      res.body.data.batch_results.map((r: { valid: boolean }) => r.valid),
      [false, false],
    )
  })

  it('TestTransit_SignVerify_ED25519 (public key): a derived key signs with the public key for that context', async () => {
    await fresh()
    await ok('POST', 'keys/bar', { type: 'ed25519', derived: true })
    const checkWith = (publicKeyB64: string, signature: string) => {
      const pub = Buffer.from(publicKeyB64, 'base64')
      assert.equal(pub.length, 32)
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub])
      const publicKey = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' })
      const raw = Buffer.from(signature.split(':')[2] ?? '', 'base64')
      return crypto.verify(null, Buffer.from(fox, 'base64'), publicKey, raw)
    }
    const signed = (await ok('POST', 'sign/bar', { input: fox, context: 'abcd' })).body.data
    assert.equal(checkWith(signed.public_key, signed.signature), true)
    const batch = (
      await ok('POST', 'sign/bar', {
        batch_input: [
          { input: fox, context: 'abcd' },
          { input: fox, context: 'efgh' },
        ],
      })
    ).body.data.batch_results
    assert.equal(batch[0].publickey, signed.public_key, 'the same context gives the same key')
    assert.notEqual(batch[1].publickey, signed.public_key)
    for (const item of batch) assert.equal(checkWith(item.publickey, item.signature), true)
    // A key that is not derived has one public key, shown by its read; its signatures carry none.
    await ok('POST', 'keys/foo', { type: 'ed25519' })
    const plain = (await ok('POST', 'sign/foo', { input: fox })).body.data
    assert.equal(plain.public_key, undefined)
  })

  it('TestTransit_SignVerify_RSA_PSS: salt_length auto, hash, a number; bad values refused; mismatched lengths fail', async () => {
    await fresh()
    await ok('POST', 'keys/foo', { type: 'rsa-2048' })
    const base = {
      input: fox,
      signature_algorithm: 'pss',
      hash_algorithm: 'sha2-256',
      marshaling_algorithm: 'asn1',
    }
    const sign = (salt_length: string) => call('POST', 'sign/foo', { ...base, salt_length })
    const verifies = async (signature: string, salt_length: string) => {
      const res = await call('POST', 'verify/foo', { ...base, signature, salt_length })
      return res.status === 200 && res.body.data.valid === true
    }
    const valid = ['auto', '0', 'hash', '-1', '1']
    for (const bad of ['bar', '-2']) {
      assert.equal((await sign(bad)).status, 400, bad)
      const sig = (await sign('auto')).body.data.signature
      assert.equal(await verifies(sig, bad), false, bad)
    }
    const sigs: Record<string, string> = {}
    for (const salt of valid) {
      const res = await sign(salt)
      assert.equal(res.status, 200, `${salt}: ${JSON.stringify(res.body)}`)
      sigs[salt] = res.body.data.signature
      assert.equal(await verifies(sigs[salt] ?? '', salt), true, salt)
    }
    assert.equal(await verifies(sigs['hash'] ?? '', '-1'), true)
    assert.equal(await verifies(sigs['-1'] ?? '', 'hash'), true)
    assert.equal(await verifies(sigs['hash'] ?? '', '1'), false)
    assert.equal(await verifies(sigs['1'] ?? '', 'hash'), false)
    assert.equal(await verifies(sigs['auto'] ?? '', '0'), true)
    assert.equal(await verifies(sigs['0'] ?? '', 'auto'), true)
    // auto on verify finds any salt length; a fixed length on verify needs the same one.
    for (const salt of ['hash', '-1', '1']) assert.equal(await verifies(sigs[salt] ?? '', 'auto'), true, salt)
  })
})
