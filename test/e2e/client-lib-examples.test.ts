// The runnable examples of @coffer/client run against a real dev server and print what the docs say, no secret values.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const QUICKSTART = fileURLToPath(new URL('../../packages/client/examples/quickstart.ts', import.meta.url))

let t: TestServer
before(async () => {
  t = await startDevServer()
})
after(() => t?.close())

it('examples/quickstart.ts writes, reads, follows a change and round-trips transit', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [QUICKSTART], {
    env: { ...process.env, VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken },
    timeout: 60_000,
  })
  assert.equal(stderr, '')
  assert.deepEqual(stdout.trim().split('\n'), [
    'events on',
    'read version 1 with fields username, password',
    'changed: secret/data/examples/app (kv-v2/data-write)',
    'now at version 2, loaded by the event',
    'transit round trip ok',
  ])
  assert.doesNotMatch(stdout, /example-only|"new"|card 4111/)
  assert.ok(!stdout.includes(t.rootToken))
})
