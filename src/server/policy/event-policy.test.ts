// Tests for the event parts of policies: the subscribe capability, subscribe_event_types and event type patterns.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl } from './acl.ts'
import { ROOT_POLICY_NAME } from './builtin-policies.ts'
import { eventTypeMatches } from './event-type-pattern.ts'
import { parsePolicy } from './parse-policy.ts'

function acl(...texts: string[]): Acl {
  return new Acl(texts.map((text, i) => parsePolicy(`p${i}`, text)))
}

describe('event type patterns', () => {
  it('matches * as any run of characters, / included', () => {
    assert.equal(eventTypeMatches('*', 'kv-v2/data-write'), true)
    assert.equal(eventTypeMatches('kv*', 'kv-v2/data-write'), true)
    assert.equal(eventTypeMatches('kv-v2/data-*', 'kv-v2/data-delete'), true)
    assert.equal(eventTypeMatches('kv-v2/*-write', 'kv-v2/metadata-write'), true)
    assert.equal(eventTypeMatches('kv-v2/*-write', 'kv-v2/data-patch'), false)
    assert.equal(eventTypeMatches('kv-v1/write', 'kv-v1/write'), true)
    assert.equal(eventTypeMatches('kv-v1/write', 'kv-v1/writes'), false)
    assert.equal(eventTypeMatches('a*a', 'a'), false)
  })
})

describe('subscribe in policies', () => {
  it('parses subscribe and subscribe_event_types in HCL and JSON', () => {
    const hcl = parsePolicy(
      'h',
      'path "secret/data/*" {\n  capabilities = ["list", "subscribe"]\n  subscribe_event_types = ["kv-v2/*"]\n}',
    )
    assert.deepEqual([...hcl.rules[0]!.capabilities], ['list', 'subscribe'])
    assert.deepEqual(hcl.rules[0]!.subscribeEventTypes, ['kv-v2/*'])
    const json = parsePolicy(
      'j',
      '{"path": {"secret/*": {"capabilities": ["read", "subscribe"], "subscribe_event_types": ["*"]}}}',
    )
    assert.deepEqual(json.rules[0]!.subscribeEventTypes, ['*'])
  })

  it('refuses subscribe_event_types without the subscribe capability, and a non-list', () => {
    assert.throws(
      () => parsePolicy('x', 'path "a/*" {\n capabilities = ["read"]\n subscribe_event_types = ["*"]\n}'),
      /subscribe_event_types needs to be used on a path with the subscribe capability/,
    )
    assert.throws(
      () => parsePolicy('x', 'path "a/*" {\n capabilities = ["subscribe"]\n subscribe_event_types = "*"\n}'),
      /subscribe_event_types must be a list of strings/,
    )
  })

  it('lets an event through only with subscribe plus read or list, and a matching type', () => {
    const a = acl(
      'path "secret/data/app/*" {\n capabilities = ["list", "subscribe"]\n subscribe_event_types = ["kv-v2/data-*"]\n}',
      'path "secret/data/ops/*" {\n capabilities = ["subscribe"]\n}',
      'path "secret/data/web/*" {\n capabilities = ["read"]\n}',
    )
    assert.equal(a.allowsEvent('secret/data/app/db', 'kv-v2/data-write'), true)
    assert.equal(a.allowsEvent('secret/data/app/db', 'kv-v2/metadata-write'), false)
    assert.equal(a.allowsEvent('secret/data/ops/db', 'kv-v2/data-write'), false, 'subscribe alone')
    assert.equal(a.allowsEvent('secret/data/web/db', 'kv-v2/data-write'), false, 'read alone')
    assert.equal(a.allowsEvent('secret/data/other', 'kv-v2/data-write'), false)
  })

  it('merges rules: types add up, and a rule without types covers all', () => {
    const rule = (types: string) =>
      `path "s/*" {\n capabilities = ["read", "subscribe"]\n${types ? ` subscribe_event_types = [${types}]\n` : ''}}`
    const both = acl(rule('"kv-v1/write"'), rule('"kv-v1/delete"'))
    assert.equal(both.allowsEvent('s/x', 'kv-v1/write'), true)
    assert.equal(both.allowsEvent('s/x', 'kv-v1/delete'), true)
    assert.equal(both.allowsEvent('s/x', 'kv-v2/data-write'), false)
    assert.equal(acl(rule('"kv-v1/write"'), rule('')).allowsEvent('s/x', 'kv-v2/data-write'), true)
    const denied = acl(rule(''), 'path "s/*" {\n capabilities = ["deny"]\n}')
    assert.equal(denied.allowsEvent('s/x', 'kv-v1/write'), false)
  })

  it('lets root receive everything', () => {
    const root = new Acl([{ name: ROOT_POLICY_NAME, raw: '', rules: [] }])
    assert.equal(root.allowsEvent('anything', 'any/type'), true)
  })
})
