// Answers queued in one turn of the event loop are written together after it, in order, and a failing one stops none.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { answerThisTurn } from './answer-batch.ts'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('answerThisTurn', () => {
  it('writes nothing during the turn, then every queued answer in the order queued', async () => {
    const written: number[] = []
    for (let i = 0; i < 5; i++) answerThisTurn(() => written.push(i))
    await Promise.resolve()
    assert.deepEqual(written, [], 'not even after the turn’s microtasks')
    await nextTurn()
    assert.deepEqual(written, [0, 1, 2, 3, 4])
  })

  it('an answer queued while the batch is written goes out in the next batch, not lost', async () => {
    const written: string[] = []
    answerThisTurn(() => {
      written.push('first')
      answerThisTurn(() => written.push('late'))
    })
    await nextTurn()
    assert.deepEqual(written, ['first'])
    await nextTurn()
    assert.deepEqual(written, ['first', 'late'])
  })

  it('a write that throws does not keep the others from being written', async () => {
    const written: string[] = []
    answerThisTurn(() => written.push('a'))
    answerThisTurn(() => {
      throw new Error('connection gone')
    })
    answerThisTurn(() => written.push('c'))
    await nextTurn()
    assert.deepEqual(written, ['a', 'c'])
  })
})
