// Tests for the lease/revoke event: the lease's path as data path, its mount (found by UUID, so after a remount too) as plugin_info.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { BackendInstance } from '../../../sdk/framework/backend.ts'
import type { LeaseEntry } from '../expiration/lease-entry.ts'
import { defaultMountConfig, type MountEntry } from '../mount-table.ts'
import { Router } from '../router.ts'
import { LEASE_REVOKE, leaseRevokedEvent } from './lease-events.ts'
import type { PublishedEvent } from './published-event.ts'
import { testBus } from './test-helpers.ts'

const entry: MountEntry = {
  table: 'secret',
  path: 'db-moved/',
  type: 'database',
  description: '',
  uuid: 'uuid-db',
  accessor: 'database_abcd',
  local: false,
  sealWrap: false,
  config: defaultMountConfig(),
  options: {},
}

const lease = {
  leaseId: 'database/creds/app/abc123',
  path: 'database/creds/app',
  mountPath: 'database/',
  mountUuid: 'uuid-db',
} as LeaseEntry

describe('lease/revoke events', () => {
  it('names the lease, its path and its mount as it is now', () => {
    const router = new Router()
    router.add(entry, {} as BackendInstance)
    const bus = testBus()
    const seen: PublishedEvent[] = []
    bus.subscribe((e) => seen.push(e))
    leaseRevokedEvent(bus, { router }, lease)
    assert.equal(seen.length, 1)
    const event = seen[0]!
    assert.equal(event.type, LEASE_REVOKE)
    assert.equal(event.dataPath, 'database/creds/app')
    assert.deepEqual(event.metadata, {
      path: 'database/creds/app',
      data_path: 'database/creds/app',
      lease_id: 'database/creds/app/abc123',
      operation: 'revoke',
      modified: 'true',
    })
    assert.deepEqual(event.pluginInfo, {
      mountClass: 'secret',
      mountAccessor: 'database_abcd',
      mountPath: 'db-moved/',
      plugin: 'database',
    })
  })

  it('still reports a lease whose mount is gone', () => {
    const bus = testBus()
    const seen: PublishedEvent[] = []
    bus.subscribe((e) => seen.push(e))
    leaseRevokedEvent(bus, { router: new Router() }, lease)
    assert.equal(seen[0]?.pluginInfo.mountPath, 'database/')
  })
})
