// `coffer operator rekey` against a scripted server: request shapes, Vault's output, verification and backups.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fakeServer, type Handler, run } from '../../test-io.ts'

const NONCE = 'b0f5a3c2-0000-4000-8000-000000000001'
const VERIFY_NONCE = 'b0f5a3c2-0000-4000-8000-000000000002'
const IDLE = {
  nonce: '',
  started: false,
  t: 0,
  n: 0,
  progress: 0,
  required: 2,
  pgp_fingerprints: null,
  backup: false,
  verification_required: false,
}
const STARTED = { ...IDLE, nonce: NONCE, started: true, t: 2, n: 3 }
const NEW_KEYS = {
  nonce: NONCE,
  complete: true,
  keys: ['aa01', 'aa02', 'aa03'],
  keys_base64: ['qgE=', 'qgI=', 'qgM='],
  pgp_fingerprints: null,
  backup: false,
  verification_required: false,
}

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
let dir: string
const env = () => ({ VAULT_ADDR: server.address, VAULT_TOKEN: 'root-token-secret' })
const rekey = (args: string[], stdin?: string) =>
  run(['operator', 'rekey', ...args], { env: env(), ...(stdin === undefined ? {} : { stdin }) })
const calls = () => server.seen.map((r) => `${r.method} ${r.path}`)

function reset(h: Handler): void {
  server.seen.length = 0
  handler = h
}

before(async () => {
  server = await fakeServer((req) => handler(req))
  dir = mkdtempSync(join(tmpdir(), 'coffer-rekey-cli-'))
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('operator rekey -init', () => {
  test('sends Vault defaults, warns about unprotected keys and prints the status table', async () => {
    reset(() => ({ status: 200, body: { ...STARTED, n: 5, t: 3 } }))
    const res = await rekey(['-init'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(server.seen[0]?.body, {
      secret_shares: 5,
      secret_threshold: 3,
      pgp_keys: null,
      backup: false,
      require_verification: false,
    })
    assert.equal(calls()[0], 'PUT sys/rekey/init')
    assert.match(res.stderr, /WARNING! The new unseal keys will be printed once/)
    assert.match(res.stdout, /^Nonce\s+b0f5a3c2-0000-4000-8000-000000000001$/m)
    assert.match(res.stdout, /^Rekey Progress\s+0\/2$/m)
    assert.match(res.stdout, /^New Shares\s+5$/m)
    assert.match(res.stdout, /^New Threshold\s+3$/m)
    assert.match(res.stdout, /^Verification Required\s+false$/m)
    assert.doesNotMatch(res.stdout, /PGP Fingerprints/)
  })

  test('-format=json prints every field of Vault api.RekeyStatusResponse and no warning', async () => {
    reset(() => ({ status: 200, body: STARTED }))
    const res = await rekey(['-init', '-n=3', '-t=2', '-verify', '-format=json'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stderr, '')
    assert.deepEqual(server.seen[0]?.body, {
      secret_shares: 3,
      secret_threshold: 2,
      pgp_keys: null,
      backup: false,
      require_verification: true,
    })
    assert.deepEqual(JSON.parse(res.stdout), { ...STARTED, verification_nonce: '' })
  })

  test('-pgp-keys reads binary, base64 and @-prefixed files and sends base64 in order; -backup goes along', async () => {
    const binary = Buffer.from([0x99, 0x01, 0x0d, 0xff, 0x00, 0x42])
    writeFileSync(join(dir, 'one.gpg'), binary)
    writeFileSync(join(dir, 'two.b64'), `${Buffer.from('second key').toString('base64')}\n`)
    reset(() => ({
      status: 200,
      body: { ...STARTED, n: 2, t: 1, pgp_fingerprints: ['f1', 'f2'], backup: true },
    }))
    const res = await rekey([
      '-init',
      '-key-shares=2',
      '-key-threshold=1',
      '-backup',
      `-pgp-keys=${join(dir, 'one.gpg')},@${join(dir, 'two.b64')}`,
    ])
    assert.equal(res.code, 0, res.stderr)
    const body = server.seen[0]?.body as Record<string, unknown>
    assert.deepEqual(body['pgp_keys'], [
      binary.toString('base64'),
      Buffer.from('second key').toString('base64'),
    ])
    assert.equal(body['backup'], true)
    assert.doesNotMatch(res.stderr, /WARNING/)
    assert.match(res.stdout, /^PGP Fingerprints\s+\[f1 f2\]$/m)
    assert.match(res.stdout, /^Backup\s+true$/m)
  })

  test('PGP keys without -backup warn that the encrypted keys cannot be recovered', async () => {
    writeFileSync(join(dir, 'k.gpg'), Buffer.from([1, 2, 3]))
    reset(() => ({ status: 200, body: { ...STARTED, n: 1, t: 1, pgp_fingerprints: ['f1'] } }))
    const res = await rekey(['-init', '-n=1', '-t=1', `-pgp-keys=${join(dir, 'k.gpg')}`])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stderr, /no copy is kept on the\nserver/)
  })

  test('keybase: entries and unreadable files are refused before any request', async () => {
    reset(() => ({ status: 500 }))
    const keybase = await rekey(['-init', '-n=1', '-t=1', '-pgp-keys=keybase:someone'])
    assert.equal(keybase.code, 1)
    assert.match(keybase.stderr, /keybase: keys are not supported/)
    const missing = await rekey(['-init', '-n=1', '-t=1', `-pgp-keys=${join(dir, 'absent.gpg')}`])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read PGP key file .*absent\.gpg: ENOENT/)
    assert.deepEqual(calls(), [])
  })

  test('the server refusing the configuration is "Error initializing rekey", exit 2', async () => {
    reset(() => ({ status: 400, body: { errors: ['provided threshold greater than the total shares'] } }))
    const res = await rekey(['-init', '-n=2', '-t=3'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /^Error initializing rekey: /)
    assert.match(res.stderr, /threshold greater than the total shares/)
  })
})

describe('operator rekey: submitting current shares', () => {
  test('a key without -nonce is refused locally; no rekey in progress says how to start one', async () => {
    reset(() => ({ status: 200, body: STARTED }))
    const noNonce = await rekey(['share-one'])
    assert.equal(noNonce.code, 1)
    assert.match(noNonce.stderr, /Missing nonce value/)
    assert.deepEqual(calls(), ['GET sys/rekey/init'])
    reset(() => ({ status: 200, body: IDLE }))
    const idle = await rekey([`-nonce=${NONCE}`, 'share-one'])
    assert.equal(idle.code, 1)
    assert.match(idle.stderr, /No rekey is in progress.*-init/)
    assert.deepEqual(calls(), ['GET sys/rekey/init'])
  })

  test('below the threshold the share is posted with the nonce and the fresh status printed', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: { ...STARTED, progress: 1 } }
        : { status: 200, body: { ...STARTED, progress: server.seen.length > 1 ? 1 : 0 } },
    )
    const res = await rekey([`-nonce=${NONCE}`, 'share-one'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(calls(), ['GET sys/rekey/init', 'PUT sys/rekey/update', 'GET sys/rekey/init'])
    assert.deepEqual(server.seen[1]?.body, { key: 'share-one', nonce: NONCE })
    assert.match(res.stdout, /^Rekey Progress\s+1\/2$/m)
    assert.doesNotMatch(res.stdout + res.stderr, /share-one/)
  })

  test('"-" reads the whole of stdin, trimmed; with no argument the first line is the key and the nonce comes from the status', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: { ...STARTED, progress: 1 } }
        : { status: 200, body: STARTED },
    )
    const dash = await rekey([`-nonce=${NONCE}`, '-'], '  share-two \n')
    assert.equal(dash.code, 0, dash.stderr)
    assert.deepEqual(server.seen[1]?.body, { key: 'share-two', nonce: NONCE })
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: { ...STARTED, progress: 1 } }
        : { status: 200, body: STARTED },
    )
    const prompt = await rekey([], 'share-three\nignored\n')
    assert.equal(prompt.code, 0, prompt.stderr)
    assert.deepEqual(server.seen[1]?.body, { key: 'share-three', nonce: NONCE })
    assert.match(prompt.stderr, /Rekey operation nonce: b0f5a3c2/)
    assert.doesNotMatch(prompt.stdout + prompt.stderr, /share-three/)
    reset(() => ({ status: 200, body: STARTED }))
    const empty = await rekey([], '\n')
    assert.equal(empty.code, 1)
    assert.match(empty.stderr, /no key given/)
  })

  test('a refused share is "Error posting unseal key", exit 2', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? {
            status: 400,
            body: { errors: ['incorrect nonce supplied; nonce for this rekey operation is "x"'] },
          }
        : { status: 200, body: STARTED },
    )
    const res = await rekey(['-nonce=wrong', 'share-one'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /^Error posting unseal key: .*\n[\s\S]*incorrect nonce supplied/)
  })

  test('the last share prints the new keys, the nonce and the new threshold', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: NEW_KEYS }
        : { status: 200, body: { ...STARTED, progress: 1 } },
    )
    const res = await rekey([`-nonce=${NONCE}`, 'share-two'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(
      res.stdout,
      /^\nKey 1: qgE=\nKey 2: qgI=\nKey 3: qgM=\n\nOperation nonce: b0f5a3c2-0000-4000-8000-000000000001\n/,
    )
    assert.match(res.stdout, /3 key shares, any 2 of which unseal it/)
    assert.doesNotMatch(res.stdout, /verif/i)
    assert.deepEqual(calls(), ['GET sys/rekey/init', 'PUT sys/rekey/update'])
  })

  test('-format=json prints Vault api.RekeyUpdateResponse and nothing else', async () => {
    reset((req) => (req.method === 'PUT' ? { status: 200, body: NEW_KEYS } : { status: 200, body: STARTED }))
    const res = await rekey([`-nonce=${NONCE}`, '-format=json', 'share-two'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(JSON.parse(res.stdout), NEW_KEYS)
  })

  test('PGP-encrypted keys print with their fingerprints, and a backup is pointed out', async () => {
    const result = { ...NEW_KEYS, pgp_fingerprints: ['fa', 'fb', 'fc'], backup: true }
    reset((req) => (req.method === 'PUT' ? { status: 200, body: result } : { status: 200, body: STARTED }))
    const res = await rekey([`-nonce=${NONCE}`, 'share-two'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^Key 1 fingerprint: fa; value: qgE=$/m)
    assert.match(res.stdout, /^Key 3 fingerprint: fc; value: qgM=$/m)
    assert.match(res.stdout, /-backup-delete/)
  })

  test('with verification required, the verification status and its nonce follow the keys', async () => {
    const result = { ...NEW_KEYS, verification_required: true, verification_nonce: VERIFY_NONCE }
    reset((req) => {
      if (req.method === 'PUT') return { status: 200, body: result }
      if (req.path === 'sys/rekey/verify')
        return { status: 200, body: { nonce: VERIFY_NONCE, started: true, t: 2, n: 3, progress: 0 } }
      return { status: 200, body: { ...STARTED, verification_required: true } }
    })
    const res = await rekey([`-nonce=${NONCE}`, 'share-two'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(calls(), ['GET sys/rekey/init', 'PUT sys/rekey/update', 'GET sys/rekey/verify'])
    assert.match(res.stdout, /take effect only once 2/)
    assert.match(res.stdout, /^Nonce\s+b0f5a3c2-0000-4000-8000-000000000002$/m)
    assert.match(res.stdout, /^Verification Progress\s+0\/2$/m)
    assert.match(res.stderr, /WARNING! Until verification completes/)
    const json = await rekey([`-nonce=${NONCE}`, '-format=json', 'share-two'])
    assert.deepEqual(JSON.parse(json.stdout), result)
  })
})

describe('operator rekey -verify', () => {
  const VERIFYING = { nonce: VERIFY_NONCE, started: true, t: 2, n: 3, progress: 0 }

  test('new shares go to sys/rekey/verify with the verification nonce; completion says so', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: { nonce: VERIFY_NONCE, complete: true } }
        : { status: 200, body: VERIFYING },
    )
    const res = await rekey(['-verify', `-nonce=${VERIFY_NONCE}`, 'new-share'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(calls(), ['GET sys/rekey/verify', 'PUT sys/rekey/verify'])
    assert.deepEqual(server.seen[1]?.body, { key: 'new-share', nonce: VERIFY_NONCE })
    assert.match(res.stdout, /Rekey verification complete/)
  })

  test('below the threshold the verification progress is printed', async () => {
    reset((req) =>
      req.method === 'PUT'
        ? { status: 200, body: { ...VERIFYING, progress: 1 } }
        : { status: 200, body: { ...VERIFYING, progress: server.seen.length > 1 ? 1 : 0 } },
    )
    const res = await rekey(['-verify', `-nonce=${VERIFY_NONCE}`, 'new-share'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^Verification Progress\s+1\/2$/m)
  })

  test('-status, -cancel and their -verify forms reach the matching endpoints', async () => {
    reset((req) =>
      req.path === 'sys/rekey/verify' ? { status: 200, body: VERIFYING } : { status: 200, body: IDLE },
    )
    const status = await rekey(['-status', '-verify', '-format=json'])
    assert.deepEqual(JSON.parse(status.stdout), VERIFYING)
    const plain = await rekey(['-status'])
    assert.match(plain.stdout, /^Started\s+false$/m)
    assert.doesNotMatch(plain.stdout, /Rekey Progress/)
    reset((req) => (req.path === 'sys/rekey/verify' ? { status: 200, body: VERIFYING } : { status: 204 }))
    assert.equal((await rekey(['-cancel'])).code, 0)
    const restart = await rekey(['-cancel', '-verify'])
    assert.equal(restart.code, 0, restart.stderr)
    assert.match(restart.stdout, /verification restarted/)
    assert.deepEqual(calls(), ['DELETE sys/rekey/init', 'DELETE sys/rekey/verify'])
  })

  test('no verification in progress is a local error, exit 1', async () => {
    reset(() => ({ status: 200, body: { ...VERIFYING, nonce: '', started: false } }))
    const res = await rekey(['-verify', `-nonce=${VERIFY_NONCE}`, 'new-share'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /No rekey verification is in progress/)
  })
})

describe('operator rekey backups and targets', () => {
  test('-backup-retrieve prints the stored keys under Vault CLI field names; -backup-delete deletes', async () => {
    const data = { nonce: NONCE, keys: { fa: ['c1'] }, keys_base64: { fa: ['wQ=='] } }
    reset((req) => (req.method === 'GET' ? { status: 200, body: { data } } : { status: 204 }))
    const table = await rekey(['-backup-retrieve'])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^Keys\s+map\[fa:\[c1\]\]$/m)
    assert.match(table.stdout, /^KeysB64\s+map\[fa:\[wQ==\]\]$/m)
    assert.match(table.stdout, /^Nonce\s+b0f5a3c2/m)
    const json = JSON.parse((await rekey(['-backup-retrieve', '-format=json'])).stdout)
    assert.deepEqual(json.data, { Keys: data.keys, KeysB64: data.keys_base64, Nonce: NONCE })
    const del = await rekey(['-backup-delete'])
    assert.equal(del.code, 0, del.stderr)
    assert.match(del.stdout, /^Success! Deleted the stored keys/)
    assert.deepEqual(calls(), ['GET sys/rekey/backup', 'GET sys/rekey/backup', 'DELETE sys/rekey/backup'])
  })

  test('-target=recovery uses the recovery endpoints and reports the server refusing them', async () => {
    reset(() => ({ status: 400, body: { errors: ['recovery rekeying not supported'] } }))
    const res = await rekey(['-init', '-target=recovery'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /Error initializing rekey: [\s\S]*recovery rekeying not supported/)
    await rekey(['-status', '-target=hsm'])
    reset(() => ({ status: 204 }))
    await rekey(['-backup-delete', '-target=recovery'])
    assert.deepEqual(calls(), ['DELETE sys/rekey/recovery-key-backup'])
  })

  test('an unknown -target is refused before any request', async () => {
    reset(() => ({ status: 500 }))
    const res = await rekey(['-status', '-target=disk'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /Unknown target: disk/)
    assert.deepEqual(calls(), [])
  })
})
