// Tombstones: a mark lasts until its delete is committed and every read that began before the commit is done.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Tombstones } from './tombstones.ts'

/** A read that finishes when the test says so. */
function pendingRead(marks: Tombstones): { done: Promise<void>; finish: () => void } {
  let finish: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    finish = resolve
  })
  return { done: marks.read(() => gate), finish }
}

describe('Tombstones', () => {
  it('keeps a mark while a read that began before the commit is in flight, then forgets it', async () => {
    const marks = new Tombstones()
    const early = pendingRead(marks)
    marks.bury('a')
    marks.settled('a')
    assert.equal(marks.has('a'), true, 'an earlier read may still return the deleted value')
    early.finish()
    await early.done
    assert.equal(marks.has('a'), false)
    assert.equal(marks.size, 0)
  })

  it('a read that begins after the commit does not hold the mark', async () => {
    const marks = new Tombstones()
    marks.bury('a')
    const beforeCommit = pendingRead(marks)
    marks.settled('a')
    const afterCommit = pendingRead(marks)
    beforeCommit.finish()
    await beforeCommit.done
    assert.equal(marks.has('a'), false, 'only reads from before the commit matter')
    afterCommit.finish()
    await afterCommit.done
  })

  it('keeps a mark with no commit yet, whatever reads come and go', async () => {
    const marks = new Tombstones()
    marks.bury('b')
    const read = pendingRead(marks)
    read.finish()
    await read.done
    assert.equal(marks.has('b'), true)
    marks.unbury('b')
    assert.equal(marks.has('b'), false)
  })

  it('releases marks in commit order as overlapping reads finish', async () => {
    const marks = new Tombstones()
    const first = pendingRead(marks)
    marks.bury('x')
    marks.settled('x')
    const second = pendingRead(marks)
    marks.bury('y')
    marks.settled('y')
    first.finish()
    await first.done
    assert.deepEqual([marks.has('x'), marks.has('y')], [false, true])
    second.finish()
    await second.done
    assert.equal(marks.size, 0)
  })
})
