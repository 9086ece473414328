// boundedTest: an honest pattern answers as RegExp.test does; a catastrophically backtracking one is cut off.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { boundedTest } from './bounded-regex.ts'

describe('boundedTest', () => {
  it('answers as RegExp.test for patterns that finish', () => {
    assert.equal(boundedTest(/^[a-z]+$/u, 'abc'), true)
    assert.equal(boundedTest(/^[a-z]+$/u, 'ab1'), false)
  })

  it('gives up on exponential backtracking instead of holding the thread', () => {
    // 2^60 steps: no machine finishes this within any budget.
    assert.equal(boundedTest(/^(a+)+$/u, `${'a'.repeat(60)}!`, 50), undefined)
    assert.equal(boundedTest(/^(a|a)*$/u, `${'a'.repeat(60)}!`, 50), undefined)
  })

  it('lets other errors through', () => {
    const broken = {
      test: () => {
        throw new Error('boom')
      },
    } as unknown as RegExp
    assert.throws(() => boundedTest(broken, 'x'), /boom/)
  })
})
