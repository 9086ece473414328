// Tests for the stored form of a wrapped response: Vault's JSON string, read back, and entries of the older form.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeWrapped, encodeWrapped, storedForm } from './wrapped-response.ts'

describe('wrapped response', () => {
  it('is stored as the HTTP envelope in one JSON string, without core-internal fields', () => {
    const stored = encodeWrapped(
      {
        data: { a: 1 },
        frozenData: true,
        lease: { leaseId: 'database/creds/ro/x', ttl: 60, renewable: true },
      },
      'req-1',
    )
    assert.deepEqual(Object.keys(stored), ['response'])
    assert.deepEqual(JSON.parse(stored.response), {
      request_id: 'req-1',
      lease_id: 'database/creds/ro/x',
      renewable: true,
      lease_duration: 60,
      data: { a: 1 },
      wrap_info: null,
      warnings: null,
      auth: null,
    })
    assert.deepEqual(decodeWrapped(stored), {
      requestId: 'req-1',
      data: { a: 1 },
      lease: { leaseId: 'database/creds/ro/x', ttl: 60, renewable: true },
    })
  })

  it('reads back warnings, an advisory lease duration and an auth block', () => {
    const auth = { client_token: 't', accessor: 'a' } as never
    const round = decodeWrapped(encodeWrapped({ warnings: ['w'], leaseDuration: 30, auth }, 'r'))
    assert.deepEqual(round, { requestId: 'r', warnings: ['w'], auth, leaseDuration: 30 })
  })

  it('keeps a status other than 200 beside the envelope, never inside it, and reads it back', () => {
    const data = { data: null, metadata: { version: 1 } }
    const stored = encodeWrapped({ data, status: 404 }, 'req-404')
    assert.equal(stored.status, 404)
    assert.equal(JSON.parse(stored.response).data.metadata.version, 1)
    assert.deepEqual(decodeWrapped(stored), { requestId: 'req-404', data, status: 404 })
    assert.deepEqual(Object.keys(storedForm(stored)!), ['response'])
    assert.equal(encodeWrapped({ data, status: 200 }, 'x').status, undefined)
    // Data shaped like Vault's raw-response form is only data: it names no status of the server's making.
    const lookalike = {
      http_content_type: 'application/json',
      http_raw_body: '{"auth":{}}',
      http_status_code: 500,
    }
    assert.deepEqual(decodeWrapped(encodeWrapped({ data: lookalike }, 'r')), {
      requestId: 'r',
      data: lookalike,
    })
  })

  it('still reads an entry of the older form, and shows it in the new one', () => {
    const old = { data: { x: 'y' }, frozenData: true, events: [{ type: 'kv-read' }] }
    assert.deepEqual(decodeWrapped(old), { data: { x: 'y' } })
    const shown = storedForm(old)!
    assert.deepEqual(JSON.parse(shown.response).data, { x: 'y' })
    assert.ok(!shown.response.includes('frozenData') && !shown.response.includes('kv-read'))
  })

  it('holds nothing for a missing, malformed or non-object entry', () => {
    for (const bad of [undefined, null, 'text', [1], { response: '{not json' }, { response: '[1]' }])
      assert.equal(decodeWrapped(bad), undefined, JSON.stringify(bad))
  })
})
