// Userpass mount state: every mount checks unknown users against one process-wide dummy hash.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MemoryStorage } from '../../physical/memory.ts'
import { setupUserpass } from './state.ts'

it('gives every mount the same dummy hash, made once, with the stored hashes’ parameters', async () => {
  const env = () => ({ storage: new MemoryStorage() }) as unknown as Parameters<typeof setupUserpass>[0]
  const mounts = await Promise.all(Array.from({ length: 64 }, () => setupUserpass(env())))
  const first = mounts[0]!.dummyHash()
  assert.ok(
    mounts.every((mount) => mount.dummyHash() === first),
    'one promise for every mount',
  )
  const hash = await first
  assert.equal(hash.algorithm, 'scrypt')
  assert.ok(hash.hash.length > 0 && hash.salt.length > 0)
  const keys = new Set(mounts.map((mount) => mount.key.export().toString('hex')))
  assert.equal(keys.size, 64, 'each mount keeps its own lockout key')
})
