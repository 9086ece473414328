// Search filters: each flag's predicate on Vault-layout entries, time bounds, value look-up and the row shape.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { containsValue, entryMatcher, isDenied, parseTimeBound, searchRow } from './audit-search.ts'
import { UsageError } from './flags.ts'

const H = (n: number) => `hmac-sha256:${String(n).repeat(64).slice(0, 64)}`

function entry(over: {
  type?: string
  time?: string
  path?: string
  operation?: string
  displayName?: string
  entityId?: string
  accessor?: string
  requestData?: unknown
  responseData?: unknown
  error?: string
}): Record<string, unknown> {
  const e: Record<string, unknown> = {
    time: over.time ?? '2024-05-01T10:00:00.123456789Z',
    type: over.type ?? 'request',
    auth: {
      client_token: H(1),
      accessor: over.accessor ?? H(2),
      display_name: over.displayName ?? 'token-ana',
      entity_id: over.entityId ?? 'ent-1',
    },
    request: {
      operation: over.operation ?? 'read',
      path: over.path ?? 'secret/data/app',
      client_token_accessor: over.accessor ?? H(2),
      remote_address: '10.1.2.3',
      ...(over.requestData === undefined ? {} : { data: over.requestData }),
    },
    seq: 4,
    prev_hash: '0'.repeat(64),
  }
  if (over.responseData !== undefined) e['response'] = { data: over.responseData }
  if (over.error !== undefined) e['error'] = over.error
  return e
}

describe('entryMatcher', () => {
  it('matches everything with an empty filter', () => {
    assert.equal(entryMatcher({})(entry({})), true)
  })

  it('filters by path prefix, operation, display name, entity and type', () => {
    const e = entry({ type: 'response', path: 'secret/data/app/db', operation: 'update' })
    assert.equal(entryMatcher({ pathPrefix: 'secret/data/app' })(e), true)
    assert.equal(entryMatcher({ pathPrefix: 'secret/data/other' })(e), false)
    assert.equal(entryMatcher({ operation: 'update' })(e), true)
    assert.equal(entryMatcher({ operation: 'read' })(e), false)
    assert.equal(entryMatcher({ displayName: 'token-ana' })(e), true)
    assert.equal(entryMatcher({ displayName: 'token' })(e), false, 'display name is exact, not a prefix')
    assert.equal(entryMatcher({ entityId: 'ent-1' })(e), true)
    assert.equal(entryMatcher({ entityId: 'ent-2' })(e), false)
    assert.equal(entryMatcher({ type: 'response' })(e), true)
    assert.equal(entryMatcher({ type: 'request' })(e), false)
    assert.equal(entryMatcher({ pathPrefix: 'secret/', type: 'request' })(e), false, 'every filter must hold')
  })

  it('matches an accessor in auth.accessor or request.client_token_accessor, in any accepted form', () => {
    const hashed = entry({ accessor: H(7) })
    assert.equal(entryMatcher({ accessors: ['plain-acc', H(7)] })(hashed), true)
    assert.equal(entryMatcher({ accessors: ['plain-acc'] })(hashed), false)
    const clear = entry({ accessor: 'plain-acc' })
    assert.equal(entryMatcher({ accessors: ['plain-acc', H(7)] })(clear), true, 'hmac_accessor=false logs')
    const onlyRequest = entry({})
    ;(onlyRequest['auth'] as Record<string, unknown>)['accessor'] = undefined
    ;(onlyRequest['request'] as Record<string, unknown>)['client_token_accessor'] = H(9)
    assert.equal(entryMatcher({ accessors: [H(9)] })(onlyRequest), true)
  })

  it('keeps only permission-denied entries with denied', () => {
    assert.equal(entryMatcher({ denied: true })(entry({ error: 'permission denied' })), true)
    assert.equal(
      entryMatcher({ denied: true })(entry({ error: '1 error occurred:\n\t* permission denied\n\n' })),
      true,
    )
    assert.equal(entryMatcher({ denied: true })(entry({ error: 'internal error' })), false)
    assert.equal(entryMatcher({ denied: true })(entry({})), false)
    assert.equal(isDenied({ error: 42 }), false)
  })

  it('bounds by time, inclusively, reading nanosecond RFC 3339 times', () => {
    const e = entry({ time: '2024-05-01T10:00:00.500000000Z' })
    const at = Date.parse('2024-05-01T10:00:00.500Z')
    assert.equal(entryMatcher({ since: at, until: at })(e), true)
    assert.equal(entryMatcher({ since: at + 1 })(e), false)
    assert.equal(entryMatcher({ until: at - 1 })(e), false)
    assert.equal(
      entryMatcher({ since: 0 })(entry({ time: 'not a time' })),
      false,
      'an unreadable time is out',
    )
  })

  it('finds a value hash anywhere in request or response data, but not elsewhere', () => {
    const needle = H(5)
    const values = [needle]
    assert.equal(entryMatcher({ values })(entry({ responseData: { data: { password: needle } } })), true)
    assert.equal(entryMatcher({ values })(entry({ requestData: { list: [{ deep: [needle] }] } })), true)
    assert.equal(entryMatcher({ values })(entry({ responseData: { data: { password: H(6) } } })), false)
    const inAuth = entry({ accessor: needle })
    assert.equal(entryMatcher({ values })(inAuth), false, 'only data is searched, not auth')
    const lookup = entry({ path: 'sys/audit-hash/file', requestData: { input: needle } })
    assert.equal(entryMatcher({ values })(lookup), false, 'sys/audit-hash look-ups are not uses')
  })
})

describe('containsValue', () => {
  it('walks objects and arrays and compares whole strings', () => {
    const set = new Set(['x'])
    assert.equal(containsValue({ a: [1, { b: 'x' }] }, set), true)
    assert.equal(containsValue({ a: 'xx' }, set), false)
    assert.equal(containsValue(null, set), false)
    assert.equal(containsValue(undefined, set), false)
  })
})

describe('parseTimeBound', () => {
  const now = Date.parse('2024-05-02T00:00:00Z')
  it('reads RFC 3339 times and bare dates', () => {
    assert.equal(parseTimeBound('2024-05-01T10:00:00Z', '-since', now), Date.parse('2024-05-01T10:00:00Z'))
    assert.equal(
      parseTimeBound('2024-05-01T12:00:00+02:00', '-since', now),
      Date.parse('2024-05-01T10:00:00Z'),
    )
    assert.equal(parseTimeBound('2024-05-01', '-since', now), Date.parse('2024-05-01T00:00:00Z'))
  })
  it('reads durations as that long before now', () => {
    assert.equal(parseTimeBound('24h', '-since', now), now - 86_400_000)
    assert.equal(parseTimeBound('90m', '-since', now), now - 5_400_000)
    assert.equal(parseTimeBound('7d', '-since', now), now - 7 * 86_400_000)
  })
  it('refuses anything else with a usage error', () => {
    for (const bad of ['yesterday', '2024-13-45T99:00:00Z', '', '24 hours'])
      assert.throws(() => parseTimeBound(bad, '-since', now), UsageError, bad)
  })
})

describe('searchRow', () => {
  it('prints time to the millisecond and the compact columns', () => {
    const row = searchRow(entry({ error: '1 error occurred:\n\t* permission denied\n\n' }))
    assert.deepEqual(row, [
      '2024-05-01T10:00:00.123Z',
      'request',
      'read',
      'secret/data/app',
      'token-ana',
      '10.1.2.3',
      '1 error occurred: * permission denied',
    ])
    assert.deepEqual(searchRow({}), ['', '', '', '', '', '', ''])
  })
})
