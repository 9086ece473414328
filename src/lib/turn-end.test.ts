// Work kept for the turn's end: answers written together after the turn, in order; records first, and the answers
// they release join the same batch.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { answerThisTurn, recordThisTurn } from './turn-end.ts'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('turn end', () => {
  it('writes no answer during the turn, then every queued answer in the order queued', async () => {
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

  it('an answer write that throws does not keep the others from being written', async () => {
    const written: string[] = []
    answerThisTurn(() => written.push('a'))
    answerThisTurn(() => {
      throw new Error('connection gone')
    })
    answerThisTurn(() => written.push('c'))
    await nextTurn()
    assert.deepEqual(written, ['a', 'c'])
  })

  it('writes records first, and answers released by them (after several promise hops) in the same batch', async () => {
    const order: string[] = []
    let release!: () => void
    const recorded = new Promise<void>((resolve) => {
      release = resolve
    })
    // A request whose answer waits for its record, resuming through a chain of awaits as the pipeline does.
    const request = async (name: string) => {
      await recorded
      await Promise.resolve()
      await Promise.resolve()
      answerThisTurn(() => order.push(`answer ${name}`))
    }
    void request('audited-1')
    void request('audited-2')
    answerThisTurn(() => order.push('answer plain'))
    recordThisTurn(() => {
      order.push('record')
      release()
    })
    // One turn: the check phase writes the record, then every answer, the released ones included.
    await nextTurn()
    await new Promise((resolve) => process.nextTick(resolve))
    assert.deepEqual(order, ['record', 'answer plain', 'answer audited-1', 'answer audited-2'])
  })
})
