// Root token generation in-process: nonces, share checks, a wrong threshold, cancel, OTP and PGP answers, races.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp'
import { barrierHeldAtKeyCheck } from '../../../test/helpers/gates.ts'
import type { Logger } from '../../lib/logger.ts'
import { decodeRootToken } from '../../lib/root-token-otp.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import { Barrier } from '../barrier/barrier.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { RootGeneration } from './root-generation.ts'
import { SealManager } from './seal-manager.ts'

const TOKEN = 'hvs.0123456789abcdefghijABCD'

async function setup(options: { token?: string; tokenLength?: number } = {}) {
  const physical = new MemoryStorage()
  const barrier = new Barrier(physical)
  const seal = new SealManager(physical, barrier)
  const shares = await seal.initialize(3, 2)
  const lines: string[] = []
  const logger: Logger = {
    log: (level, message, context) => lines.push(JSON.stringify({ level, message, ...context })),
    child: () => logger,
  }
  const minted: string[] = []
  const revoked: string[] = []
  const token = options.token ?? TOKEN
  const ceremony = new RootGeneration({
    seal,
    barrier,
    logger,
    tokenLength: options.tokenLength ?? TOKEN.length,
    async mintRootToken() {
      minted.push(token)
      return { token, revoke: async () => void revoked.push(token) }
    },
  })
  return { barrier, shares, ceremony, lines, minted, revoked }
}

const refused = (pattern: RegExp) => (error: Error) =>
  error instanceof InvalidRequestError && pattern.test(error.message)

describe('RootGeneration', () => {
  it('reports idle status, then draws an OTP shown only in the answer to start', async () => {
    const { ceremony } = await setup()
    const idle = ceremony.status()
    assert.equal(idle.started, false)
    assert.equal(idle.required, 2)
    assert.equal(idle.otp_length, TOKEN.length)
    const started = await ceremony.start({ otp: '', pgpKey: '' })
    assert.equal(started.started, true)
    assert.match(started.otp, new RegExp(`^[A-Za-z0-9]{${TOKEN.length}}$`))
    assert.equal(ceremony.status().otp, '')
    assert.equal(ceremony.status().nonce, started.nonce)
    await assert.rejects(ceremony.start({ otp: '', pgpKey: '' }), refused(/already in progress/))
  })

  it('refuses an OTP of the wrong length and a keybase: PGP key', async () => {
    const { ceremony } = await setup()
    await assert.rejects(ceremony.start({ otp: 'short', pgpKey: '' }), refused(/OTP string is wrong length/))
    await assert.rejects(ceremony.start({ otp: '', pgpKey: 'keybase:someone' }), refused(/keybase/))
    assert.equal(ceremony.status().started, false)
  })

  it('checks the nonce, duplicates and share length before counting a share', async () => {
    const { ceremony, shares } = await setup()
    await assert.rejects(ceremony.update(shares[0]!, 'any'), refused(/no root generation in progress/))
    const { nonce } = await ceremony.start({ otp: '', pgpKey: '' })
    await assert.rejects(
      ceremony.update(shares[0]!, 'wrong'),
      refused(new RegExp(`incorrect nonce supplied; nonce for this root generation operation is "${nonce}"`)),
    )
    assert.equal((await ceremony.update(shares[0]!, nonce)).progress, 1)
    await assert.rejects(ceremony.update(new Uint8Array(shares[0]!), nonce), refused(/already been provided/))
    await assert.rejects(ceremony.update(new Uint8Array(15), nonce), refused(/shorter than minimum/))
    await assert.rejects(ceremony.update(new Uint8Array(34), nonce), refused(/longer than maximum/))
    assert.equal(ceremony.status().progress, 1)
  })

  it('a wrong share at the threshold aborts, resets progress and mints nothing; the right ones then succeed', async () => {
    const { ceremony, shares, minted, lines } = await setup()
    const { nonce, otp } = await ceremony.start({ otp: '', pgpKey: '' })
    await ceremony.update(shares[0]!, nonce)
    const forged = new Uint8Array(shares[1]!)
    forged[3]! ^= 0x01
    await assert.rejects(ceremony.update(forged, nonce), refused(/^root generation aborted: /))
    assert.equal(ceremony.status().progress, 0)
    assert.equal(ceremony.status().started, true)
    // A malformed set (lengths differ) is a 400 too, and also spends the progress.
    await ceremony.update(shares[0]!, nonce)
    await assert.rejects(ceremony.update(new Uint8Array(20).fill(5), nonce), refused(/same length/))
    assert.equal(ceremony.status().progress, 0)
    assert.deepEqual(minted, [])

    assert.equal((await ceremony.update(shares[2]!, nonce)).complete, false)
    const done = await ceremony.update(shares[0]!, nonce)
    assert.equal(done.complete, true)
    assert.equal(done.progress, 2)
    assert.equal(decodeRootToken(done.encoded_token, otp), TOKEN)
    assert.equal(done.encoded_root_token, done.encoded_token)
    assert.equal(ceremony.status().started, false)
    const log = lines.join('\n')
    for (const secret of [
      otp,
      TOKEN,
      done.encoded_token,
      ...shares.map((s) => Buffer.from(s).toString('hex')),
    ])
      assert.ok(!log.includes(secret), 'a ceremony secret reached the log')
  })

  it('cancel drops the attempt and its shares', async () => {
    const { ceremony, shares } = await setup()
    const { nonce } = await ceremony.start({ otp: '', pgpKey: '' })
    await ceremony.update(shares[0]!, nonce)
    ceremony.cancel()
    assert.equal(ceremony.status().started, false)
    await assert.rejects(ceremony.update(shares[1]!, nonce), refused(/no root generation in progress/))
    const again = await ceremony.start({ otp: '', pgpKey: '' })
    assert.notEqual(again.nonce, nonce)
    assert.equal(again.progress, 0)
  })

  it('with a PGP key the token comes back encrypted to it', async () => {
    const { ceremony, shares } = await setup()
    const pair = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'op' }],
      format: 'binary',
    })
    const privateKey = await readPrivateKey({ binaryKey: pair.privateKey })
    const started = await ceremony.start({ otp: '', pgpKey: Buffer.from(pair.publicKey).toString('base64') })
    assert.equal(started.otp, '')
    assert.equal(started.pgp_fingerprint, privateKey.getFingerprint().toLowerCase())
    await ceremony.update(shares[1]!, started.nonce)
    const done = await ceremony.update(shares[2]!, started.nonce)
    const message = await readMessage({ binaryMessage: Buffer.from(done.encoded_token, 'base64') })
    const { data } = await decrypt({ message, decryptionKeys: privateKey })
    assert.equal(data, TOKEN)
  })

  it('revokes the minted token when its answer cannot be built', async () => {
    // A token longer than the OTP cannot be XOR-encoded: the token must not outlive the failure.
    const { ceremony, shares, revoked } = await setup({ token: `${TOKEN}xx` })
    const { nonce } = await ceremony.start({ otp: '', pgpKey: '' })
    await ceremony.update(shares[0]!, nonce)
    await assert.rejects(ceremony.update(shares[1]!, nonce))
    assert.deepEqual(revoked, [`${TOKEN}xx`])
  })

  it('racing submissions complete one attempt once', async () => {
    const { ceremony, shares, minted } = await setup()
    const { nonce } = await ceremony.start({ otp: '', pgpKey: '' })
    const results = await Promise.allSettled(shares.map((share) => ceremony.update(share, nonce)))
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected'],
    )
    assert.equal(minted.length, 1)
  })

  it('is refused while sealed', async () => {
    const { ceremony, barrier } = await setup()
    barrier.seal()
    assert.throws(() => ceremony.status(), SealedError)
    await assert.rejects(ceremony.start({ otp: '', pgpKey: '' }), SealedError)
  })
})

describe('RootGeneration racing a cancel', () => {
  it('a share in flight when the attempt is canceled and another started does not drop the new attempt', async () => {
    // Vault holds its generate-root lock across an update, so cancel and init wait; here they run in between.
    const physical = new MemoryStorage()
    const { barrier, reached: atGate, release } = barrierHeldAtKeyCheck(physical)
    const seal = new SealManager(physical, barrier)
    const shares = await seal.initialize(3, 2)
    const logger: Logger = { log() {}, child: () => logger }
    const ceremony = new RootGeneration({
      seal,
      barrier,
      logger,
      tokenLength: TOKEN.length,
      mintRootToken: async () => ({ token: TOKEN, revoke: async () => {} }),
    })
    const first = await ceremony.start({ otp: '', pgpKey: '' })
    await ceremony.update(shares[0]!, first.nonce)
    const inFlight = ceremony.update(shares[1]!, first.nonce)
    await atGate
    ceremony.cancel()
    const second = await ceremony.start({ otp: '', pgpKey: '' })
    release()
    assert.equal(decodeRootToken((await inFlight).encoded_token, first.otp), TOKEN)
    const status = ceremony.status()
    assert.equal(status.started, true)
    assert.equal(status.nonce, second.nonce)
  })
})
