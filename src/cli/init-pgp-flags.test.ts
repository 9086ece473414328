// `coffer operator init -pgp-keys=... -root-token-pgp-key=...`: Vault's flags, sent as sys/init's pgp_keys and root_token_pgp_key.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { generateKey, readKey } from 'openpgp'
import { fakeServer, run } from './test-io.ts'

let dir: string
let server: Awaited<ReturnType<typeof fakeServer>>
const binaries: Buffer[] = []

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-init-pgp-'))
  for (const name of ['a', 'b', 'root']) {
    const pair = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }] })
    writeFileSync(join(dir, `${name}.asc`), pair.publicKey)
    binaries.push(Buffer.from((await readKey({ armoredKey: pair.publicKey })).write()))
  }
  server = await fakeServer(() => ({
    status: 200,
    body: { keys: ['e1', 'e2'], keys_base64: ['ZTE=', 'ZTI='], root_token: 'encrypted-root' },
  }))
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

test('-pgp-keys and -root-token-pgp-key send each key file, in order, as base64', async () => {
  server.seen.length = 0
  const res = await run(
    [
      'operator',
      'init',
      '-key-shares=2',
      '-key-threshold=2',
      `-pgp-keys=${join(dir, 'a.asc')},${join(dir, 'b.asc')}`,
      `-root-token-pgp-key=${join(dir, 'root.asc')}`,
      '-format=json',
    ],
    { env: { VAULT_ADDR: server.address } },
  )
  assert.equal(res.code, 0, res.stderr)
  const [req] = server.seen
  assert.deepEqual([req?.method, req?.path], ['PUT', 'sys/init'])
  assert.deepEqual(req?.body, {
    pgp_keys: [binaries[0]?.toString('base64'), binaries[1]?.toString('base64')],
    root_token_pgp_key: binaries[2]?.toString('base64'),
    secret_shares: 2,
    secret_threshold: 2,
  })
  assert.equal(JSON.parse(res.stdout).root_token, 'encrypted-root')
})

test('a -pgp-keys count that differs from -key-shares is a usage error; nothing is sent', async () => {
  server.seen.length = 0
  const res = await run(
    [
      'operator',
      'init',
      '-key-shares=3',
      '-key-threshold=2',
      `-pgp-keys=${join(dir, 'a.asc')},${join(dir, 'b.asc')}`,
    ],
    { env: { VAULT_ADDR: server.address } },
  )
  assert.equal(res.code, 1)
  assert.match(res.stderr, /-pgp-keys gives 2 keys for 3 key shares/)
  assert.equal(server.seen.length, 0)
})
