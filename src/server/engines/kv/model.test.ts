// Property-style test: seeded random KV v2 operations checked against a small in-memory model of Vault's rules.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDuration } from '../../../lib/duration.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { isAppError } from '../../../sdk/errors.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { type KvHarness, makeKv } from './test-helpers.ts'

type Obj = Record<string, unknown>

interface MVersion {
  data: Obj
  created: number
  deletion: number | null
  destroyed: boolean
}

interface MKey {
  versions: Map<number, MVersion>
  current: number
  oldest: number
  created: number
  updated: number
  maxVersions: number
  casRequired: boolean
  dva: number
  custom: Record<string, string> | null
}

interface Model {
  maxVersions: number
  dva: number
  keys: Map<string, MKey>
}

/** mulberry32: small, fast and reproducible from a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PATHS = ['a', 'b', 'dir/c', 'dir/d/e']
const FIELDS = ['x', 'y', 'z']

function newKey(now: number): MKey {
  const key: MKey = {
    versions: new Map(),
    current: 0,
    oldest: 0,
    created: now,
    updated: now,
    maxVersions: 0,
    casRequired: false,
    dva: 0,
    custom: null,
  }
  return key
}

function deadline(model: Model, key: MKey, from: number): number | null {
  if (model.dva < 0) return null
  const positive = [model.dva, key.dva].filter((s) => s > 0)
  return positive.length === 0 ? null : from + Math.min(...positive) * 1000
}

function gone(v: MVersion, now: number): boolean {
  return v.destroyed || (v.deletion !== null && v.deletion <= now)
}

/** RFC 7386, written independently of the engine's helper. */
function merge(target: Obj, patch: Obj): Obj {
  const out: Obj = JSON.parse(JSON.stringify(target))
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else if (typeof v === 'object' && !Array.isArray(v)) {
      const base = out[k]
      out[k] = merge(
        base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Obj) : {},
        v as Obj,
      )
    } else out[k] = v
  }
  return out
}

function addModelVersion(model: Model, key: MKey, data: Obj, now: number): void {
  key.current += 1
  key.versions.set(key.current, { data, created: now, deletion: deadline(model, key, now), destroyed: false })
  key.updated = now
  const limit = Math.max(key.maxVersions, model.maxVersions) || 10
  if (key.current - key.oldest >= limit) {
    for (const n of [...key.versions.keys()]) if (n <= key.current - limit) key.versions.delete(n)
    key.oldest = key.current - limit + 1
  }
}

/** Vault stores custom_metadata in protobuf, which keeps no empty map: an empty one reads back as null. */
function customView(key: MKey): Record<string, string> | null {
  return key.custom && Object.keys(key.custom).length > 0 ? key.custom : null
}

function summary(key: MKey, n: number, v: MVersion): Obj {
  return {
    created_time: rfc3339(v.created),
    custom_metadata: customView(key),
    deletion_time: v.deletion === null ? '' : rfc3339(v.deletion),
    destroyed: v.destroyed,
    version: n,
  }
}

async function outcome(
  promise: Promise<LogicalResponse | undefined>,
): Promise<LogicalResponse | undefined | number> {
  try {
    return await promise
  } catch (error) {
    if (isAppError(error)) return error.status
    throw error
  }
}

async function runSeed(seed: number, steps: number): Promise<void> {
  const rand = prng(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T
  const int = (n: number) => Math.floor(rand() * n)
  const randomValue = (depth: number): unknown => {
    const r = rand()
    if (r < 0.4) return `s${int(100)}`
    if (r < 0.6) return int(1000)
    if (r < 0.7) return [int(5), 's']
    if (r < 0.8 && depth < 2) return randomObject(depth + 1, false)
    return rand() < 0.5
  }
  const randomObject = (depth: number, withNulls: boolean): Obj => {
    const out: Obj = {}
    for (const f of FIELDS) if (rand() < 0.5) out[f] = withNulls && rand() < 0.25 ? null : randomValue(depth)
    return out
  }

  const kv: KvHarness = await makeKv({ version: '2' })
  const model: Model = { maxVersions: 0, dva: 0, keys: new Map() }
  const versionsArg = (key: MKey | undefined) => {
    const top = (key?.current ?? 0) + 1
    return Array.from({ length: 1 + int(2) }, () => 1 + int(top))
  }

  // Counts of interesting outcomes, so a generator change that stops reaching them fails the test.
  const seen = { written: 0, casRefused: 0, pruned: 0, readData: 0, readGone: 0, patched: 0, patchGone: 0 }

  for (let step = 0; step < steps; step++) {
    // Many zero ticks: an operation in the same millisecond as a delete must already see it deleted.
    kv.tick(int(4) === 0 ? int(20_000) : int(2) === 0 ? 0 : int(50))
    const now = kv.clock.now
    const path = pick(PATHS)
    const key = model.keys.get(path)
    const op = int(100)
    const where = `seed ${seed} step ${step} op ${op} path ${path}`

    if (op < 25) {
      const data = randomObject(0, false)
      const casChoice = int(4)
      const cas =
        casChoice === 0
          ? undefined
          : casChoice === 1
            ? (key?.current ?? 0)
            : (key?.current ?? 0) + pick([-1, 1])
      const body: Obj = { data }
      if (cas !== undefined) body['options'] = { cas }
      const got = await outcome(kv.call('update', `data/${path}`, body))
      const current = key?.current ?? 0
      if ((cas !== undefined && cas !== current) || (cas === undefined && key?.casRequired)) {
        assert.equal(got, 400, where)
        seen.casRefused += 1
      } else {
        const target = key ?? newKey(now)
        model.keys.set(path, target)
        const before = target.versions.size
        addModelVersion(model, target, data, now)
        if (target.versions.size <= before) seen.pruned += 1
        seen.written += 1
        const v = target.versions.get(target.current)!
        assert.deepEqual(got, { data: summary(target, target.current, v) }, where)
      }
    } else if (op < 35) {
      const patch = randomObject(0, true)
      const got = await outcome(
        kv.patch(`data/${path}`, {
          data: patch,
          ...(key?.casRequired ? { options: { cas: key.current } } : {}),
        }),
      )
      const latest = key?.versions.get(key.current)
      if (!key || !latest) assert.equal(got, 404, where)
      else if (gone(latest, now)) {
        assert.deepEqual(got, { status: 404, data: summary(key, key.current, latest) }, where)
        seen.patchGone += 1
      } else {
        seen.patched += 1
        addModelVersion(model, key, merge(latest.data, patch), now)
        assert.deepEqual(got, { data: summary(key, key.current, key.versions.get(key.current)!) }, where)
      }
    } else if (op < 42) {
      assert.equal(await kv.call('delete', `data/${path}`), undefined, where)
      const latest = key?.versions.get(key.current)
      if (latest && !gone(latest, now)) latest.deletion = now
    } else if (op < 48) {
      const versions = versionsArg(key)
      assert.equal(await kv.call('update', `delete/${path}`, { versions }), undefined, where)
      for (const n of versions) {
        const v = key?.versions.get(n)
        if (v && !gone(v, now)) v.deletion = now
      }
    } else if (op < 54) {
      const versions = versionsArg(key)
      assert.equal(await kv.call('update', `undelete/${path}`, { versions }), undefined, where)
      for (const n of versions) {
        const v = key?.versions.get(n)
        if (key && v && !v.destroyed) v.deletion = deadline(model, key, now)
      }
    } else if (op < 58) {
      const versions = versionsArg(key)
      assert.equal(await kv.call('update', `destroy/${path}`, { versions }), undefined, where)
      for (const n of versions) {
        const v = key?.versions.get(n)
        if (v) v.destroyed = true
      }
    } else if (op < 66) {
      const body: Obj = {}
      if (rand() < 0.4) body['max_versions'] = int(5)
      if (rand() < 0.3) body['cas_required'] = rand() < 0.3
      if (rand() < 0.3) body['delete_version_after'] = pick([0, 2, 30])
      if (rand() < 0.4)
        body['custom_metadata'] = Object.fromEntries(
          FIELDS.filter(() => rand() < 0.5).map((f) => [f, `v${int(9)}`]),
        )
      assert.equal(await kv.call('update', `metadata/${path}`, body), undefined, where)
      if (Object.keys(body).length > 0) {
        const target = key ?? newKey(now)
        model.keys.set(path, target)
        if ('max_versions' in body) target.maxVersions = body['max_versions'] as number
        if ('cas_required' in body) target.casRequired = body['cas_required'] as boolean
        if ('delete_version_after' in body) target.dva = body['delete_version_after'] as number
        if ('custom_metadata' in body) target.custom = body['custom_metadata'] as Record<string, string>
      }
    } else if (op < 69) {
      assert.equal(await kv.call('delete', `metadata/${path}`), undefined, where)
      model.keys.delete(path)
    } else if (op < 71) {
      model.maxVersions = int(4)
      model.dva = pick([0, 0, 5, -1])
      await kv.call('update', 'config', { max_versions: model.maxVersions, delete_version_after: model.dva })
    } else if (op < 88) {
      const asked = int(3) === 0 ? 1 + int((key?.current ?? 0) + 2) : undefined
      const got = await kv.call('read', `data/${path}`, asked === undefined ? {} : { version: String(asked) })
      const n = asked ?? key?.current ?? 0
      const v = key?.versions.get(n)
      if (!key || !v) assert.equal(got, undefined, where)
      else if (gone(v, now)) {
        assert.deepEqual(got, { status: 404, data: { data: null, metadata: summary(key, n, v) } }, where)
        seen.readGone += 1
      } else {
        // A live version's answer may be the shared, frozen one (marked frozenData); its content is what counts.
        const { frozenData: _shared, ...answer } = got as { frozenData?: true }
        assert.deepEqual(answer, { data: { data: v.data, metadata: summary(key, n, v) } }, where)
        seen.readData += 1
      }
    } else if (op < 97) {
      const got = await kv.call('read', `metadata/${path}`)
      if (!key) assert.equal(got, undefined, where)
      else {
        const versions: Obj = {}
        for (const [n, v] of [...key.versions].sort((l, r) => l[0] - r[0])) {
          versions[String(n)] = {
            created_time: rfc3339(v.created),
            deletion_time: v.deletion === null ? '' : rfc3339(v.deletion),
            destroyed: v.destroyed,
          }
        }
        assert.deepEqual(
          got,
          {
            data: {
              cas_required: key.casRequired,
              created_time: rfc3339(key.created),
              current_version: key.current,
              custom_metadata: customView(key),
              delete_version_after: formatDuration(key.dva),
              max_versions: key.maxVersions,
              oldest_version: key.oldest,
              updated_time: rfc3339(key.updated),
              versions,
            },
          },
          where,
        )
      }
    } else {
      const got = await kv.call('list', 'metadata/')
      const top = [
        ...new Set([...model.keys.keys()].map((p) => (p.includes('/') ? `${p.split('/')[0]}/` : p))),
      ].sort()
      assert.deepEqual(got, top.length === 0 ? undefined : { data: { keys: top } }, where)
    }
  }
  for (const [name, count] of Object.entries(seen))
    assert.ok(count >= 10, `seed ${seed}: only ${count} ${name}`)
}

describe('KV v2 against a model', () => {
  for (const seed of [1, 2, 3, 20240102]) {
    it(`agrees on 1500 random operations (seed ${seed})`, async () => {
      await runSeed(seed, 1500)
    })
  }
})
