// The budget for recording a denied request's data, and the summary recorded past it.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DENIED_DATA_BUDGET, elideDeniedData, fitsBudget, textBytes } from './elided-data.ts'

const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))

it('counts nodes and key/string characters against the budget, stopping at the first bound passed', () => {
  const budget = { values: 4, chars: 10 }
  assert.equal(fitsBudget({ a: 'b', c: [1] }, budget), true, 'root, "b", the array and 1 are four values')
  assert.equal(fitsBudget({ a: 'b', c: [1, 2] }, budget), false)
  assert.equal(fitsBudget({ abcde: 'fghij' }, budget), true, 'ten characters')
  assert.equal(fitsBudget({ abcde: 'fghijk' }, budget), false)
  // A 10,000-level body is walked without recursion and stops at the node bound.
  let deep: unknown = 'x'
  for (let i = 0; i < 10_000; i++) deep = [deep]
  assert.equal(fitsBudget(deep, budget), false)
  assert.equal(fitsBudget(deep, { values: 20_000, chars: 10 }), true)
})

it('leaves small denied data to be recorded and summarises the rest with keys and bytes', () => {
  assert.equal(elideDeniedData({ password: 'guess' }, 21), undefined)
  assert.equal(elideDeniedData(manyKeys(DENIED_DATA_BUDGET.values - 1), undefined), undefined)
  assert.deepEqual(elideDeniedData(manyKeys(DENIED_DATA_BUDGET.values), undefined), {
    reason: 'unauthenticated',
    keys: DENIED_DATA_BUDGET.values,
    bytes: textBytes(manyKeys(DENIED_DATA_BUDGET.values)),
  })
  // A declared body over the budget is summarised without walking it; its bytes are the declared length.
  assert.deepEqual(elideDeniedData({ a: 'b' }, DENIED_DATA_BUDGET.chars + 1), {
    reason: 'unauthenticated',
    keys: 1,
    bytes: DENIED_DATA_BUDGET.chars + 1,
  })
  const big = elideDeniedData({ blob: 'x'.repeat(DENIED_DATA_BUDGET.chars) }, undefined)
  assert.deepEqual(big, { reason: 'unauthenticated', keys: 1, bytes: 4 + DENIED_DATA_BUDGET.chars })
})

it('measures UTF-8 bytes of keys and strings at any depth, iteratively', () => {
  assert.equal(textBytes({ é: ['ab', { c: 'd' }, 7, null] }), 2 + 2 + 1 + 1)
  let deep: unknown = 'xyz'
  for (let i = 0; i < 10_000; i++) deep = { k: deep }
  assert.equal(textBytes(deep), 10_000 + 3)
})
