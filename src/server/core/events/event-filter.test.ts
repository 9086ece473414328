// Tests for the subscription filter: the go-bexpr subset Vault documents, and clear refusals outside it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseEventFilter } from './event-filter.ts'
import { kvEvent } from './test-helpers.ts'

const write = kvEvent('app/db')
const patch = kvEvent('web/key', 'kv-v2/data-patch', 'data-patch')

function matches(filter: string) {
  const f = parseEventFilter(filter)
  return [f(write), f(patch)]
}

describe('event filter', () => {
  it('compares fields with == and !=, quoted or bare', () => {
    assert.deepEqual(matches('data_path == "secret/data/app/db"'), [true, false])
    assert.deepEqual(matches('event_type != kv-v2/data-write'), [false, true])
    assert.deepEqual(matches('operation == `data-patch`'), [false, true])
    assert.deepEqual(matches('source_plugin_mount == secret/'), [true, true])
  })

  it('combines with and, or, not and parentheses', () => {
    assert.deepEqual(matches('event_type == kv-v2/data-write and data_path == secret/data/web/key'), [
      false,
      false,
    ])
    assert.deepEqual(matches('event_type == kv-v2/data-write or data_path == secret/data/web/key'), [
      true,
      true,
    ])
    assert.deepEqual(matches('not (operation == data-write)'), [false, true])
  })

  it("runs regular expressions in linear time, as Vault's RE2: a pattern that backtracks is answered right", () => {
    // A backtracking engine takes seconds on these with a path of 30 a's; each subscriber holding one would hold
    // the event loop at every event (or, cut off, wrongly stop delivering).
    const as = 'a'.repeat(40)
    const cases: [string, boolean, boolean][] = [
      // pattern, on secret/data/aaa…a, on secret/data/aaa…az
      ['^secret/data/(a|a)*b$', false, false],
      ['(.|.)*z$', false, true],
      ['.*.*.*.*.*.*.*.*.*z', false, true],
      ['^secret/data/(a+)+$', true, false],
    ]
    for (const [pattern, plain, withZ] of cases) {
      const f = parseEventFilter(`data_path matches "${pattern}" or data_path contains "app"`)
      assert.equal(f(kvEvent(as)), plain, pattern)
      assert.equal(f(kvEvent(`${as}z`)), withZ, pattern)
      assert.equal(f(write), true, `${pattern}: the filter keeps delivering`)
    }
    assert.equal(parseEventFilter('data_path matches "^secret/data/(a|a)*b$"')(kvEvent('aab')), true)
  })

  it('supports matches, contains, in and is empty', () => {
    assert.deepEqual(matches('data_path matches "^secret/data/app/.*"'), [true, false])
    assert.deepEqual(matches('data_path matches "^secret/(data|metadata)/web/.+"'), [false, true])
    assert.deepEqual(matches('data_path not matches "app"'), [false, true])
    assert.deepEqual(matches('data_path contains "web"'), [false, true])
    assert.deepEqual(matches('"app" in data_path'), [true, false])
    assert.deepEqual(matches('namespace is empty'), [true, true])
    assert.deepEqual(matches('data_path is not empty'), [true, true])
  })

  it('takes a blank filter as every event', () => {
    assert.deepEqual(matches('  '), [true, true])
    assert.equal(parseEventFilter(undefined)(write), true)
  })

  it('refuses what it does not support with a 400 naming the problem', () => {
    for (const [filter, message] of [
      ['secret_value == x', /unknown field "secret_value"/],
      ['data_path > 3', /unexpected character ">"/],
      ['data_path ==', /expected a value at the end/],
      ['(data_path == a', /expected "\)" at the end/],
      ['data_path == "a', /unterminated string/],
      ['data_path matches "("', /invalid regular expression/],
      ['data_path == a b', /unexpected "b"/],
      ['data_path startswith a', /unsupported operator "startswith"/],
      // RE2 has neither: a pattern needing them is refused, as Vault refuses it.
      ['data_path matches `(a)\\1`', /backreferences or lookaround/],
      ['data_path matches "a(?=b)"', /backreferences or lookaround/],
    ] as const) {
      assert.throws(() => parseEventFilter(filter), { status: 400, message }, filter)
    }
  })
})
