// End-to-end: the CLI against a real Coffer server (dev mode, SQLite in a temp dir) on 127.0.0.1.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { generateKey } from 'openpgp'
import { describeUnless } from '../../test/helpers/requirements.ts'
import { type RunResult, run } from './test-io.ts'

interface RunningServer {
  address: string
  rootToken: string
  unsealKey?: string
  close(): Promise<void>
}

// Imported by URL at run time: the CLI must not depend on server code, only its tests exercise it.
const SERVER_MODULE = new URL('../server/main.ts', import.meta.url)
const skip = existsSync(SERVER_MODULE) ? false : 'server not built yet'

async function startServer(options: Record<string, unknown>): Promise<RunningServer> {
  const mod = (await import(SERVER_MODULE.href)) as {
    startServer(o: Record<string, unknown>): Promise<RunningServer>
  }
  return mod.startServer(options)
}

describeUnless(skip, 'coffer CLI against a dev server', () => {
  let server: RunningServer
  let home: string
  let env: Record<string, string>
  const cli = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<RunResult> =>
    run(args, { env: { ...env, ...extraEnv }, homeDir: home, ...(stdin === undefined ? {} : { stdin }) })
  const ok = async (args: string[], stdin?: string): Promise<RunResult> => {
    const res = await cli(args, stdin)
    assert.equal(res.code, 0, `coffer ${args.join(' ')} failed:\n${res.stderr}`)
    return res
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'coffer-e2e-home-'))
    server = await startServer({
      dev: true,
      listenAddress: '127.0.0.1:0',
      dataDir: join(home, 'data'),
    })
    env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken }
  })
  after(async () => {
    await server?.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('status reports an unsealed server', async () => {
    const res = await ok(['status'])
    assert.match(res.stdout, /Sealed\s+false/)
    const json = JSON.parse((await ok(['status', '-format=json'])).stdout)
    assert.equal(json.sealed, false)
  })

  test('kv v2 lifecycle on secret/', async () => {
    await ok(['kv', 'put', 'secret/e2e/app', 'user=alice', 'pass=one'])
    let got = await ok(['kv', 'get', 'secret/e2e/app'])
    assert.match(got.stdout, /=+ Secret Path =+\nsecret\/data\/e2e\/app/)
    assert.match(got.stdout, /user\s+alice/)
    await ok(['kv', 'patch', 'secret/e2e/app', 'pass=two'])
    assert.equal((await ok(['kv', 'get', '-field=pass', 'secret/e2e/app'])).stdout, 'two')
    assert.equal((await ok(['kv', 'get', '-field=user', '-mount=secret', 'e2e/app'])).stdout, 'alice')
    await ok(['kv', 'patch', '-method=rw', 'secret/e2e/app', 'extra=x'])
    assert.equal((await ok(['kv', 'get', '-field=version', 'secret/e2e/app'])).stdout, '3')
    await ok(['kv', 'rollback', '-version=1', 'secret/e2e/app'])
    got = await ok(['kv', 'get', '-format=json', 'secret/e2e/app'])
    const body = JSON.parse(got.stdout)
    assert.deepEqual(body.data.data, { user: 'alice', pass: 'one' })
    assert.equal(body.data.metadata.version, 4)
    assert.equal((await ok(['kv', 'get', '-version=2', '-field=pass', 'secret/e2e/app'])).stdout, 'two')

    const cas = await cli(['kv', 'put', '-cas=1', 'secret/e2e/app', 'user=mallory'])
    assert.equal(cas.code, 2)
    assert.match(cas.stderr, /check-and-set/)

    const meta = await ok(['kv', 'metadata', 'get', 'secret/e2e/app'])
    assert.match(meta.stdout, /current_version\s+4/)
    assert.match(meta.stdout, /=+ Version 1 =+/)
    await ok(['kv', 'metadata', 'put', '-max-versions=7', '-custom-metadata=owner=ops', 'secret/e2e/app'])
    const metaJson = JSON.parse(
      (await ok(['kv', 'metadata', 'get', '-format=json', 'secret/e2e/app'])).stdout,
    )
    assert.equal(metaJson.data.max_versions, 7)
    assert.deepEqual(metaJson.data.custom_metadata, { owner: 'ops' })

    assert.match((await ok(['kv', 'list', 'secret/e2e'])).stdout, /Keys\n----\napp/)
    assert.deepEqual(JSON.parse((await ok(['kv', 'list', '-format=json', 'secret/'])).stdout), ['e2e/'])

    await ok(['kv', 'delete', 'secret/e2e/app'])
    const deleted = await ok(['kv', 'get', 'secret/e2e/app'])
    assert.doesNotMatch(deleted.stdout, /=+ Data =+/)
    await ok(['kv', 'undelete', '-versions=4', 'secret/e2e/app'])
    assert.equal((await ok(['kv', 'get', '-field=user', 'secret/e2e/app'])).stdout, 'alice')
    await ok(['kv', 'destroy', '-versions=1', 'secret/e2e/app'])
    const destroyed = JSON.parse(
      (await ok(['kv', 'metadata', 'get', '-format=json', 'secret/e2e/app'])).stdout,
    )
    assert.equal(destroyed.data.versions['1'].destroyed, true)

    await ok(['kv', 'metadata', 'delete', 'secret/e2e/app'])
    const gone = await cli(['kv', 'get', 'secret/e2e/app'])
    assert.equal(gone.code, 2)
    assert.match(gone.stderr, /No value found at secret\/data\/e2e\/app/)
  })

  test('kv put reads a whole JSON object from stdin', async () => {
    await ok(['kv', 'put', 'secret/e2e/json', '-'], '{"nested":{"a":1},"flag":true}')
    const body = JSON.parse((await ok(['kv', 'get', '-format=json', 'secret/e2e/json'])).stdout)
    assert.deepEqual(body.data.data, { nested: { a: 1 }, flag: true })
  })

  test('secrets enable/tune/disable and KV v1 through generic read/write/list/delete', async () => {
    await ok(['secrets', 'enable', '-path=e2e-v1', '-description=flat store', 'kv'])
    const mounts = JSON.parse((await ok(['secrets', 'list', '-format=json'])).stdout)
    assert.equal(mounts['e2e-v1/'].type, 'kv')
    assert.match((await ok(['secrets', 'list', '-detailed'])).stdout, /e2e-v1\/\s+kv/)
    await ok(['secrets', 'tune', '-default-lease-ttl=1h', 'e2e-v1'])

    assert.match((await ok(['write', 'e2e-v1/app', 'k=v'])).stdout, /Success! Data written to: e2e-v1\/app/)
    assert.match((await ok(['read', 'e2e-v1/app'])).stdout, /k\s+v/)
    assert.match((await ok(['list', 'e2e-v1'])).stdout, /app/)
    await ok(['kv', 'put', 'e2e-v1/other', 'x=1'])
    assert.equal((await ok(['kv', 'get', '-field=x', 'e2e-v1/other'])).stdout, '1')
    await ok(['delete', 'e2e-v1/app'])
    const missing = await cli(['read', 'e2e-v1/app'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /No value found at e2e-v1\/app/)
    const patchV1 = await cli(['kv', 'patch', 'e2e-v1/other', 'x=2'])
    assert.equal(patchV1.code, 1)
    await ok(['write', 'e2e-v1/moved', 'k=v'])
    const moved = await ok(['secrets', 'move', 'e2e-v1', 'e2e-v1b'])
    assert.match(moved.stdout, /Success! Finished moving secrets engine e2e-v1\/ to e2e-v1b\//)
    assert.match((await ok(['read', '-field=k', 'e2e-v1b/moved'])).stdout, /^v/)
    await ok(['secrets', 'move', 'e2e-v1b', 'e2e-v1'])
    await ok(['secrets', 'disable', 'e2e-v1'])
    const after = JSON.parse((await ok(['secrets', 'list', '-format=json'])).stdout)
    assert.equal(after['e2e-v1/'], undefined)
  })

  test('policies: write from stdin, read, list, fmt, delete', async () => {
    const policy = 'path "secret/data/e2e/ro/*" {\n  capabilities = ["read", "list"]\n}\n'
    await ok(['policy', 'write', 'e2e-ro', '-'], policy)
    assert.equal((await ok(['policy', 'read', 'e2e-ro'])).stdout, policy)
    assert.match((await ok(['policy', 'list'])).stdout, /^e2e-ro$/m)
    const file = join(home, 'messy.hcl')
    writeFileSync(file, 'path "a"{\ncapabilities=["read"]}\n')
    await ok(['policy', 'fmt', file])
    await ok(['policy', 'write', 'e2e-fmt', file])
    await ok(['policy', 'delete', 'e2e-fmt'])
    assert.doesNotMatch((await ok(['policy', 'list'])).stdout, /e2e-fmt/)
  })

  test('tokens: create with a policy, use it, check capabilities, renew, revoke', async () => {
    await ok(['kv', 'put', 'secret/e2e/ro/item', 'v=1'])
    const created = await ok([
      'token',
      'create',
      '-policy=e2e-ro',
      '-ttl=1h',
      '-metadata=who=e2e',
      '-format=json',
    ])
    const auth = JSON.parse(created.stdout).auth
    assert.ok(auth.policies.includes('e2e-ro'))
    const child = auth.client_token as string
    const asChild = (args: string[]) => cli(args, undefined, { VAULT_TOKEN: child })

    const read = await asChild(['kv', 'get', '-field=v', 'secret/e2e/ro/item'])
    assert.equal(read.code, 0, read.stderr)
    assert.equal(read.stdout, '1')
    const denied = await asChild(['kv', 'put', 'secret/e2e/ro/item', 'v=2'])
    assert.equal(denied.code, 2)
    assert.match(denied.stderr, /permission denied/)
    assert.ok(!denied.stderr.includes(child))

    assert.equal(
      (await asChild(['token', 'capabilities', 'secret/data/e2e/ro/item'])).stdout.trim(),
      'list, read',
    )
    assert.equal(
      (await ok(['token', 'capabilities', child, 'secret/data/e2e/ro/item'])).stdout.trim(),
      'list, read',
    )
    assert.match((await asChild(['token', 'lookup'])).stdout, /e2e-ro/)
    assert.match((await ok(['token', 'lookup', '-accessor', auth.accessor])).stdout, /display_name/)
    const renewed = await asChild(['token', 'renew', '-increment=30m'])
    assert.equal(renewed.code, 0, renewed.stderr)

    await ok(['token', 'revoke', child])
    assert.equal((await asChild(['token', 'lookup'])).code, 2)
    const orphanParent = JSON.parse((await ok(['token', 'create', '-format=json'])).stdout).auth.client_token
    await ok(['token', 'revoke', '-mode=orphan', orphanParent])
    const selfToken = JSON.parse((await ok(['token', 'create', '-format=json'])).stdout).auth.client_token
    const selfRevoke = await cli(['token', 'revoke', '-self'], undefined, { VAULT_TOKEN: selfToken })
    assert.equal(selfRevoke.code, 0, selfRevoke.stderr)
  })

  test('login stores the token file (0600) and later commands use it', async () => {
    const token = JSON.parse((await ok(['token', 'create', '-format=json'])).stdout).auth
      .client_token as string
    const loginEnv = { VAULT_ADDR: server.address }
    const res = await run(['login', token], { env: loginEnv, homeDir: home })
    assert.equal(res.code, 0, res.stderr)
    const file = join(home, '.vault-token')
    assert.equal(readFileSync(file, 'utf8'), token)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const lookup = await run(['token', 'lookup', '-format=json'], { env: loginEnv, homeDir: home })
    assert.equal(JSON.parse(lookup.stdout).data.id, token)
    const bad = await run(['login', 'not-a-real-token'], { env: loginEnv, homeDir: home })
    assert.equal(bad.code, 2)
    assert.equal(readFileSync(file, 'utf8'), token)
    rmSync(file)
  })

  test('auth methods: list, and userpass/approle logins', async () => {
    assert.match((await ok(['auth', 'list'])).stdout, /token\//)
    await ok(['auth', 'enable', 'userpass'])
    await ok(['write', 'auth/userpass/users/ana', 'password=pw', 'token_policies=e2e-ro'])
    const login = await cli([
      'login',
      '-method=userpass',
      '-no-store',
      '-field=token',
      'username=ana',
      'password=pw',
    ])
    assert.equal(login.code, 0, login.stderr)
    const anaToken = login.stdout.trim()
    const self = await cli(['token', 'lookup', '-format=json'], undefined, { VAULT_TOKEN: anaToken })
    assert.equal(self.code, 0, self.stderr)
    assert.equal(JSON.parse(self.stdout).data.display_name, 'userpass-ana')
    const wrong = await cli(['login', '-method=userpass', '-no-store', 'username=ana', 'password=nope'])
    assert.equal(wrong.code, 2)
    assert.match(wrong.stderr, /invalid username or password/)
    await ok(['auth', 'disable', 'userpass'])
    await ok(['auth', 'enable', 'approle'])
    await ok(['write', 'auth/approle/role/ci', 'token_policies=e2e-ro'])
    const roleId = (await ok(['read', '-field=role_id', 'auth/approle/role/ci/role-id'])).stdout
    const secretId = (await ok(['write', '-f', '-field=secret_id', 'auth/approle/role/ci/secret-id'])).stdout
    const res = await cli([
      'login',
      '-method=approle',
      '-no-store',
      `role_id=${roleId}`,
      `secret_id=${secretId}`,
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /role_name\s+ci/)
    const movedAuth = await ok(['auth', 'move', 'approle', 'ci-approle'])
    assert.match(
      movedAuth.stdout,
      /Success! Finished moving auth method auth\/approle\/ to auth\/ci-approle\//,
    )
    assert.equal((await ok(['read', '-field=role_id', 'auth/ci-approle/role/ci/role-id'])).stdout, roleId)
    await ok(['auth', 'disable', 'ci-approle'])
  })

  test('operator key-status, rotate, seal and unseal', async () => {
    const before = JSON.parse((await ok(['operator', 'key-status', '-format=json'])).stdout).term
    await ok(['operator', 'rotate'])
    const afterTerm = JSON.parse((await ok(['operator', 'key-status', '-format=json'])).stdout).term
    assert.equal(afterTerm, before + 1)
    assert.ok(server.unsealKey, 'a dev server reports its unseal key')
    await ok(['operator', 'seal'])
    assert.equal((await cli(['status'])).code, 2)
    assert.match((await ok(['operator', 'unseal'], `${server.unsealKey}\n`)).stdout, /Sealed\s+false/)
    assert.equal((await cli(['status'])).code, 0)
  })

  test('rotation run, status, list and cancel drive a Secrets Manager rotation', async () => {
    await ok(['write', 'secretsmanager/secrets/cli/app', 'secret_string=first-cli-password'])
    const started = JSON.parse(
      (
        await ok([
          'rotation',
          'run',
          '-format=json',
          '-function=arn:aws:lambda:us-east-1:000000000000:function:coffer-random-password',
          '-after-days=30',
          'cli/app',
        ])
      ).stdout,
    )
    assert.match(started.version_id, /^[0-9a-f-]{36}$/)
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
    let status: Record<string, any> = {}
    for (let i = 0; i < 600 && !status['last_rotated_date']; i++) {
      status = JSON.parse((await ok(['rotation', 'status', '-format=json', 'cli/app'])).stdout)
      if (!status['last_rotated_date']) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.ok(status['last_rotated_date'], 'the rotation completed')
    assert.equal(status['rotation_status'].state, 'Idle')
    const table = (await ok(['rotation', 'status', 'cli/app'])).stdout
    assert.match(table, /next_rotation_date/)
    assert.match((await ok(['rotation', 'list'])).stdout, /cli\/app/)
    await ok(['rotation', 'cancel', 'cli/app'])
    status = JSON.parse((await ok(['rotation', 'status', '-format=json', 'cli/app'])).stdout)
    assert.equal(status['rotation_enabled'], false)
    const refused = await cli([
      'rotation',
      'run',
      '-function=arn:aws:lambda:us-east-1:000000000000:function:nope',
      'cli/app',
    ])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /cannot invoke the specified Lambda function/)
  })
})

describeUnless(skip, 'coffer operator init against a fresh server', () => {
  let server: RunningServer
  let dir: string
  const shared: { keys: string[]; root: string } = { keys: [], root: '' }
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-e2e-init-'))
    server = await startServer({
      config: {
        listeners: [{ type: 'tcp', address: '127.0.0.1:0', tlsDisable: true, maxRequestSize: 1 << 20 }],
        storage: { type: 'sqlite', path: join(dir, 'coffer.db') },
        defaultLeaseTtl: 3600,
        maxLeaseTtl: 7200,
        logLevel: 'error',
        disableMlock: true,
        ui: false,
      },
    })
  })
  after(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('init, unseal with the threshold of shares, then use the root token', async () => {
    const env = { VAULT_ADDR: server.address }
    assert.equal((await run(['operator', 'init', '-status'], { env })).code, 2)
    const init = await run(['operator', 'init', '-key-shares=3', '-key-threshold=2'], { env })
    assert.equal(init.code, 0, init.stderr)
    const keys = [...init.stdout.matchAll(/^Unseal Key \d: (\S+)$/gm)].map((m) => m[1] as string)
    const root = /^Initial Root Token: (\S+)$/m.exec(init.stdout)?.[1]
    assert.equal(keys.length, 3)
    shared.keys = keys
    assert.ok(root)
    shared.root = root
    assert.equal((await run(['status'], { env })).code, 2)
    assert.match(
      (await run(['operator', 'unseal', keys[0] as string], { env })).stdout,
      /Unseal Progress\s+1\/2/,
    )
    const unsealed = await run(['operator', 'unseal', keys[2] as string], { env })
    assert.match(unsealed.stdout, /Sealed\s+false/)
    assert.equal((await run(['status'], { env })).code, 0)
    const again = await run(['operator', 'init'], { env })
    assert.equal(again.code, 2)
    const lookup = await run(['token', 'lookup', '-format=json'], { env: { ...env, VAULT_TOKEN: root } })
    assert.deepEqual(JSON.parse(lookup.stdout).data.policies, ['root'])
  })

  test('operator generate-root: init, submit shares from args and stdin, decode the token', async () => {
    // The server from the previous test is initialised with 3 shares, threshold 2; re-read its shares there.
    const env = { VAULT_ADDR: server.address }
    const status = await run(['operator', 'generate-root', '-status', '-format=json'], { env })
    assert.equal(status.code, 0, status.stderr)
    assert.equal(JSON.parse(status.stdout).started, false)
    const otpOut = await run(['operator', 'generate-root', '-generate-otp'], { env })
    assert.match(otpOut.stdout.trim(), /^[A-Za-z0-9]{51}$/)
    const init = await run(['operator', 'generate-root', '-init'], { env })
    assert.equal(init.code, 0, init.stderr)
    const otp = /^OTP\s+(\S+)$/m.exec(init.stdout)?.[1]
    const nonce = /^Nonce\s+(\S+)$/m.exec(init.stdout)?.[1]
    assert.ok(otp && nonce, init.stdout)
    const bad = await run(['operator', 'generate-root', `-nonce=${nonce}`, 'zz'], { env })
    assert.equal(bad.code, 2)
    const cancel = await run(['operator', 'generate-root', '-cancel'], { env })
    assert.equal(cancel.code, 0, cancel.stderr)
    assert.equal((await run(['operator', 'generate-root', 'abcd'], { env })).code, 1)
    const decoded = await run(['operator', 'generate-root', '-decode=AAAA', '-otp=ab'])
    assert.equal(decoded.code, 1)
    // -pgp-key names a key file, as Vault's CLI takes it.
    const { publicKey } = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'operator' }],
      format: 'binary',
    })
    const keyDir = mkdtempSync(join(tmpdir(), 'coffer-cli-pgp-'))
    writeFileSync(join(keyDir, 'operator.gpg'), publicKey)
    const pgpInit = await run(
      ['operator', 'generate-root', '-init', `-pgp-key=${join(keyDir, 'operator.gpg')}`, '-format=json'],
      { env },
    )
    assert.equal(pgpInit.code, 0, pgpInit.stderr)
    assert.match(JSON.parse(pgpInit.stdout).pgp_fingerprint, /^[0-9a-f]{40,64}$/)
    assert.equal((await run(['operator', 'generate-root', '-cancel'], { env })).code, 0)
    rmSync(keyDir, { recursive: true, force: true })

    const again = await run(['operator', 'generate-root', '-init', '-format=json'], { env })
    const started = JSON.parse(again.stdout)
    const first = await run(
      ['operator', 'generate-root', `-nonce=${started.nonce}`, shared.keys[1] as string],
      {
        env,
      },
    )
    assert.match(first.stdout, /Progress\s+1\/2/)
    const last = await run(['operator', 'generate-root', '-'], { env, stdin: `${shared.keys[0]}\n` })
    assert.equal(last.code, 0, last.stderr)
    const encoded = /^Encoded Token\s+(\S+)$/m.exec(last.stdout)?.[1]
    assert.ok(encoded, last.stdout)
    const token = await run(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${started.otp}`])
    assert.equal(token.code, 0, token.stderr)
    const lookup = await run(['token', 'lookup', '-format=json'], {
      env: { ...env, VAULT_TOKEN: token.stdout.trim() },
    })
    assert.deepEqual(JSON.parse(lookup.stdout).data.policies, ['root'])
  })
  test('operator rekey: new shares replace the old; PGP-encrypted, backed up and verified shares too', async () => {
    const env = { VAULT_ADDR: server.address }
    const rekey = (args: string[], stdin?: string) =>
      run(['operator', 'rekey', ...args], { env, ...(stdin === undefined ? {} : { stdin }) })
    const recovery = await rekey(['-init', '-target=recovery'])
    assert.equal(recovery.code, 2)
    assert.match(recovery.stderr, /recovery rekeying not supported/)

    const init = await rekey(['-init', '-key-shares=3', '-key-threshold=2', '-format=json'])
    assert.equal(init.code, 0, init.stderr)
    const { nonce } = JSON.parse(init.stdout)
    const first = await rekey([`-nonce=${nonce}`, shared.keys[2] as string])
    assert.match(first.stdout, /^Rekey Progress\s+1\/2$/m)
    const last = await rekey([`-nonce=${nonce}`, '-'], `${shared.keys[0]}\n`)
    assert.equal(last.code, 0, last.stderr)
    const newKeys = [...last.stdout.matchAll(/^Key \d: (\S+)$/gm)].map((m) => m[1] as string)
    assert.equal(newKeys.length, 3)
    assert.match(last.stdout, /^Operation nonce: /m)

    const asRoot = { env: { ...env, VAULT_TOKEN: shared.root } }
    assert.equal((await run(['operator', 'seal'], asRoot)).code, 0)
    // The old shares no longer rebuild the key: the second one completes the threshold and is refused.
    assert.equal((await run(['operator', 'unseal', shared.keys[0] as string], { env })).code, 0)
    const old = await run(['operator', 'unseal', shared.keys[1] as string], { env })
    assert.equal(old.code, 2)
    await run(['operator', 'unseal', '-reset'], { env })
    await run(['operator', 'unseal', newKeys[2] as string], { env })
    const unsealed = await run(['operator', 'unseal', newKeys[0] as string], { env })
    assert.match(unsealed.stdout, /Sealed\s+false/)

    // Now to PGP keys (armored files), with a backup and verification.
    const { decrypt, generateKey, readMessage, readPrivateKey } = await import('openpgp')
    const holders = await Promise.all(
      ['a', 'b'].map((name) => generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }] })),
    )
    const files = holders.map((holder, i) => {
      const file = join(dir, `holder-${i}.asc`)
      writeFileSync(file, holder.publicKey)
      return file
    })
    const pgpInit = await rekey([
      '-init',
      '-key-shares=2',
      '-key-threshold=2',
      '-backup',
      '-verify',
      `-pgp-keys=${files.join(',')}`,
      '-format=json',
    ])
    assert.equal(pgpInit.code, 0, pgpInit.stderr)
    const pgpNonce = JSON.parse(pgpInit.stdout).nonce
    await rekey([`-nonce=${pgpNonce}`, newKeys[1] as string])
    const done = await rekey([`-nonce=${pgpNonce}`, newKeys[2] as string])
    assert.equal(done.code, 0, done.stderr)
    const encrypted = [...done.stdout.matchAll(/^Key \d fingerprint: [0-9a-f]+; value: (\S+)$/gm)].map(
      (m) => m[1] as string,
    )
    assert.equal(encrypted.length, 2)
    const verificationNonce = /^Nonce\s+(\S+)$/m.exec(done.stdout)?.[1]
    assert.ok(verificationNonce, done.stdout)
    assert.match(done.stderr, /Until verification completes/)
    const pgpShares = await Promise.all(
      encrypted.map(async (value, i) => {
        const privateKey = await readPrivateKey({ armoredKey: holders[i]!.privateKey })
        const message = await readMessage({ binaryMessage: Buffer.from(value, 'base64') })
        return (await decrypt({ message, decryptionKeys: privateKey })).data as string
      }),
    )
    for (const share of pgpShares) assert.match(share, /^[0-9a-f]{66}$/)
    // The backup needs sudo, as in Vault.
    assert.equal((await rekey(['-backup-retrieve'])).code, 2)
    const retrieved = await run(['operator', 'rekey', '-backup-retrieve', '-format=json'], asRoot)
    assert.equal(retrieved.code, 0, retrieved.stderr)
    assert.equal(Object.keys(JSON.parse(retrieved.stdout).data.KeysB64).length, 2)

    const verifyOne = await rekey(['-verify', `-nonce=${verificationNonce}`, pgpShares[0] as string])
    assert.match(verifyOne.stdout, /^Verification Progress\s+1\/2$/m)
    const verified = await rekey(['-verify', `-nonce=${verificationNonce}`, pgpShares[1] as string])
    assert.equal(verified.code, 0, verified.stderr)
    assert.match(verified.stdout, /Rekey verification complete/)
    assert.equal((await run(['operator', 'rekey', '-backup-delete'], asRoot)).code, 0)
    assert.equal((await run(['operator', 'seal'], asRoot)).code, 0)
    await run(['operator', 'unseal', pgpShares[1] as string], { env })
    assert.match(
      (await run(['operator', 'unseal', pgpShares[0] as string], { env })).stdout,
      /Sealed\s+false/,
    )
  })
})
