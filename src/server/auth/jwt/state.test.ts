// The jwt mount's remembered config: a config write that returned governs every later login, even with a read racing it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gate } from '../../../../test/helpers/gates.ts'
import { putJson, type Storage } from '../../../sdk/storage.ts'
import { CONFIG_KEY, type JwtConfig } from './jwt-config.ts'
import { JwtState } from './state.ts'

const config = (boundIssuer: string): JwtConfig => ({
  oidcDiscoveryUrl: '',
  oidcDiscoveryCaPem: '',
  oidcClientId: '',
  oidcClientSecret: '',
  oidcResponseMode: '',
  oidcResponseTypes: [],
  jwksUrl: '',
  jwksCaPem: '',
  jwtValidationPubkeys: [],
  boundIssuer,
  jwtSupportedAlgs: [],
  defaultRole: '',
  namespaceInState: true,
})

/** A map as storage whose reads can be held after they have read, as a PostgreSQL read overlaps a commit. */
function heldStorage() {
  const values = new Map<string, Uint8Array>()
  let held: ReturnType<typeof gate> | undefined
  const storage: Storage = {
    get: async (key) => {
      const value = values.get(key)
      const waiting = held
      held = undefined
      if (waiting) await waiting.pass()
      return value
    },
    put: async (key, value) => {
      values.set(key, value)
    },
    delete: async (key) => {
      values.delete(key)
    },
    list: async () => [],
    batch: async (ops) => {
      for (const op of ops) op.op === 'put' ? values.set(op.key, op.value) : values.delete(op.key)
    },
  }
  return {
    storage,
    /** Holds the next read once it has read; resolves `reached` then, and waits for `release`. */
    holdNextRead: () => {
      held = gate()
      return held
    },
  }
}

describe('JwtState', () => {
  it('does not keep a config read that a config write overlapped', async () => {
    const { storage, holdNextRead } = heldStorage()
    const state = new JwtState(() => Date.now())
    await putJson(storage, CONFIG_KEY, config('https://old.example'))
    const held = holdNextRead()
    // A login reads the old config; the read is still in flight when the new config is written and forgotten.
    const racing = state.current(storage)
    await held.reached
    await putJson(storage, CONFIG_KEY, config('https://new.example'))
    state.forget()
    held.release()
    assert.equal(
      (await racing).config?.boundIssuer,
      'https://old.example',
      'the racing login saw what it read',
    )
    const later = await state.current(storage)
    assert.equal(
      later.config?.boundIssuer,
      'https://new.example',
      'a login after the write uses the new config',
    )
  })

  it('keeps a config read that no write overlapped', async () => {
    const { storage } = heldStorage()
    const state = new JwtState(() => Date.now())
    await putJson(storage, CONFIG_KEY, config('https://only.example'))
    const first = await state.current(storage)
    assert.equal(await state.current(storage), first)
  })
})
