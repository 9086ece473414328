// The rekey ceremony in-process: checks, a wrong threshold, cancel, verification rounds, PGP and backups.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp'
import { barrierHeldAtKeyCheck } from '../../../test/helpers/gates.ts'
import type { Logger } from '../../lib/logger.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import { Barrier } from '../barrier/barrier.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { combineCollected } from './key-shares.ts'
import {
  Rekey,
  type RekeyRequest,
  type RekeyResult,
  type RekeyStatus,
  type RekeyVerifyStatus,
} from './rekey.ts'
import { SealManager } from './seal-manager.ts'

async function setup() {
  const physical = new MemoryStorage()
  const barrier = new Barrier(physical)
  const seal = new SealManager(physical, barrier)
  const shares = await seal.initialize(3, 2)
  const lines: string[] = []
  const logger: Logger = {
    log: (level, message, context) => lines.push(JSON.stringify({ level, message, ...context })),
    child: () => logger,
  }
  return { barrier, seal, shares, lines, rekey: new Rekey({ seal, barrier, logger }) }
}

const request = (over: Partial<RekeyRequest> = {}): RekeyRequest => ({
  secretShares: 3,
  secretThreshold: 2,
  pgpKeys: [],
  backup: false,
  requireVerification: false,
  ...over,
})

const refused = (pattern: RegExp) => (error: Error) =>
  error instanceof InvalidRequestError && pattern.test(error.message)

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'))

/** Whether these shares rebuild the key that currently protects the barrier. */
async function unseals(barrier: Barrier, shares: Uint8Array[], threshold: number): Promise<boolean> {
  const key = await combineCollected(shares, threshold)
  return barrier.verifyUnsealKey(key).then(
    () => true,
    () => false,
  )
}

async function pgpPair(name: string) {
  const pair = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name }],
    format: 'binary',
  })
  return {
    publicB64: Buffer.from(pair.publicKey).toString('base64'),
    open: async (base64: string) => {
      const message = await readMessage({ binaryMessage: Buffer.from(base64, 'base64') })
      const decryptionKeys = await readPrivateKey({ binaryKey: pair.privateKey })
      return (await decrypt({ message, decryptionKeys })).data as string
    },
  }
}

describe('Rekey start', () => {
  it('reports idle status in Vault shape', async () => {
    const { rekey } = await setup()
    assert.deepEqual(rekey.status(), {
      nonce: '',
      started: false,
      t: 0,
      n: 0,
      progress: 0,
      required: 2,
      pgp_fingerprints: null,
      backup: false,
      verification_required: false,
    })
  })

  it('refuses bad configurations, PGP key count mismatches and keybase: names, and a second start', async () => {
    const { rekey } = await setup()
    await assert.rejects(
      rekey.start(request({ secretShares: 2, secretThreshold: 3 })),
      refused(/threshold greater/),
    )
    await assert.rejects(rekey.start(request({ backup: true })), refused(/without providing PGP keys/))
    await assert.rejects(rekey.start(request({ pgpKeys: ['a'] })), refused(/incorrect number of PGP keys/))
    await assert.rejects(
      rekey.start(request({ secretShares: 1, secretThreshold: 1, pgpKeys: ['keybase:someone'] })),
      refused(/keybase/),
    )
    await assert.rejects(
      rekey.start(request({ secretShares: 0, secretThreshold: 0 })),
      refused(/at least one/),
    )
    assert.equal(rekey.status().started, false)
    const started = await rekey.start(request())
    assert.match(started.nonce, /^[0-9a-f-]{36}$/)
    await assert.rejects(rekey.start(request()), refused(/rekey already in progress/))
  })

  it('is refused while sealed', async () => {
    const { rekey, barrier } = await setup()
    barrier.seal()
    assert.throws(() => rekey.status(), SealedError)
    await assert.rejects(rekey.start(request()), SealedError)
  })
})

describe('Rekey update', () => {
  it('checks the attempt, nonce, duplicates and share length before counting', async () => {
    const { rekey, shares } = await setup()
    await assert.rejects(rekey.update(shares[0]!, ''), refused(/no barrier rekey in progress/))
    const { nonce } = await rekey.start(request())
    await assert.rejects(
      rekey.update(shares[0]!, 'nope'),
      refused(new RegExp(`incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`)),
    )
    assert.equal(((await rekey.update(shares[0]!, nonce)) as RekeyStatus).progress, 1)
    await assert.rejects(rekey.update(new Uint8Array(shares[0]!), nonce), refused(/already been provided/))
    await assert.rejects(rekey.update(new Uint8Array(8), nonce), refused(/shorter than minimum/))
    await assert.rejects(rekey.update(new Uint8Array(40), nonce), refused(/longer than maximum/))
    assert.equal(rekey.status().progress, 1)
  })

  it('a wrong share at the threshold resets progress and changes nothing; then the right ones rekey', async () => {
    const { rekey, shares, barrier, seal, lines } = await setup()
    const { nonce } = await rekey.start(request({ secretShares: 5, secretThreshold: 3 }))
    await rekey.update(shares[0]!, nonce)
    const forged = new Uint8Array(shares[1]!)
    forged[0]! ^= 0xff
    await assert.rejects(rekey.update(forged, nonce), refused(/^root key verification failed: /))
    assert.equal(rekey.status().progress, 0)
    assert.equal(rekey.status().started, true)
    assert.equal(seal.config?.secretShares, 3)
    assert.ok(await unseals(barrier, shares.slice(0, 2), 2))

    await rekey.update(shares[2]!, nonce)
    const result = (await rekey.update(shares[1]!, nonce)) as RekeyResult
    assert.equal(result.complete, true)
    assert.equal(result.keys.length, 5)
    assert.equal(result.verification_required, false)
    assert.equal(result.verification_nonce, undefined)
    assert.deepEqual(
      result.keys.map((k) => Buffer.from(k, 'hex').toString('base64')),
      result.keys_base64,
    )
    assert.deepEqual(seal.config, { type: 'shamir', secretShares: 5, secretThreshold: 3 })
    assert.equal(rekey.status().started, false)
    assert.equal(rekey.status().required, 3)
    const fresh = result.keys.map(bytes)
    assert.ok(await unseals(barrier, [fresh[4]!, fresh[1]!, fresh[2]!], 3))
    assert.equal(await unseals(barrier, shares.slice(0, 2), 2), false)
    const log = lines.join('\n')
    for (const secret of [
      ...result.keys,
      ...result.keys_base64,
      ...shares.map((s) => Buffer.from(s).toString('hex')),
    ])
      assert.ok(!log.includes(secret), 'a share reached the log')
  })

  it('cancel drops the attempt; the current shares stay valid', async () => {
    const { rekey, shares, barrier } = await setup()
    const { nonce } = await rekey.start(request())
    await rekey.update(shares[0]!, nonce)
    rekey.cancel()
    assert.equal(rekey.status().started, false)
    await assert.rejects(rekey.update(shares[1]!, nonce), refused(/no barrier rekey in progress/))
    assert.ok(await unseals(barrier, shares.slice(1, 3), 2))
  })
})

describe('Rekey verification', () => {
  async function pending() {
    const ctx = await setup()
    const { nonce } = await ctx.rekey.start(request({ requireVerification: true }))
    await ctx.rekey.update(ctx.shares[0]!, nonce)
    const result = (await ctx.rekey.update(ctx.shares[1]!, nonce)) as RekeyResult
    return { ...ctx, nonce, result, fresh: result.keys.map(bytes) }
  }

  it('holds the new shares back until verified; the old ones stay in force meanwhile', async () => {
    const { rekey, result, barrier, shares, seal, nonce, fresh } = await pending()
    assert.equal(result.verification_required, true)
    assert.match(result.verification_nonce ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(rekey.status().verification_nonce, result.verification_nonce)
    assert.ok(await unseals(barrier, shares.slice(0, 2), 2))
    assert.equal(await unseals(barrier, fresh.slice(0, 2), 2), false)
    await assert.rejects(rekey.update(shares[2]!, nonce), refused(/verification must be performed/))
    assert.equal(seal.config?.secretShares, 3)
    assert.deepEqual(rekey.verifyStatus(), {
      nonce: result.verification_nonce,
      started: true,
      t: 2,
      n: 3,
      progress: 0,
    })
  })

  it('checks the verification nonce and duplicates; a wrong round draws a new nonce and starts over', async () => {
    const { rekey, result, fresh, shares } = await pending()
    const first = result.verification_nonce!
    await assert.rejects(rekey.verify(fresh[0]!, result.nonce), refused(/nonce for this verify operation/))
    assert.equal(((await rekey.verify(fresh[0]!, first)) as RekeyVerifyStatus).progress, 1)
    await assert.rejects(rekey.verify(new Uint8Array(fresh[0]!), first), refused(/already been provided/))
    await assert.rejects(
      rekey.verify(shares[0]!, first),
      refused(/rekey verification failed; incorrect key shares/),
    )
    const after = rekey.verifyStatus()
    assert.notEqual(after.nonce, first)
    assert.equal(after.progress, 0)
    await assert.rejects(rekey.verify(fresh[1]!, first), refused(/incorrect nonce/))
  })

  it('a threshold of the new shares installs them', async () => {
    const { rekey, result, fresh, barrier, shares } = await pending()
    const nonce = result.verification_nonce!
    await rekey.verify(fresh[2]!, nonce)
    assert.deepEqual(await rekey.verify(fresh[0]!, nonce), { nonce, complete: true })
    assert.equal(rekey.status().started, false)
    assert.throws(() => rekey.verifyStatus(), refused(/no rekey configuration found/))
    assert.ok(await unseals(barrier, [fresh[1]!, fresh[2]!], 2))
    assert.equal(await unseals(barrier, shares.slice(0, 2), 2), false)
  })

  it('restarting verification forgets its shares and draws a new nonce; cancel keeps the old shares', async () => {
    const { rekey, result, fresh, barrier, shares } = await pending()
    await rekey.verify(fresh[0]!, result.verification_nonce!)
    const restarted = rekey.restartVerification()
    assert.equal(restarted.progress, 0)
    assert.notEqual(restarted.nonce, result.verification_nonce)
    rekey.cancel()
    await assert.rejects(rekey.verify(fresh[1]!, restarted.nonce), refused(/no rekey in progress/))
    assert.ok(await unseals(barrier, shares.slice(0, 2), 2))
  })
})

describe('Rekey with PGP keys', () => {
  it('encrypts each new share to its key, keeps a backup by fingerprint, and the decrypted shares unseal', async () => {
    const { rekey, shares, barrier } = await setup()
    const holders = [await pgpPair('a'), await pgpPair('b')]
    const started = await rekey.start(
      request({
        secretShares: 2,
        secretThreshold: 2,
        pgpKeys: holders.map((h) => h.publicB64),
        backup: true,
      }),
    )
    assert.equal(started.pgp_fingerprints?.length, 2)
    assert.equal(started.backup, true)
    await rekey.update(shares[0]!, started.nonce)
    const result = (await rekey.update(shares[1]!, started.nonce)) as RekeyResult
    assert.deepEqual(result.pgp_fingerprints, started.pgp_fingerprints)
    const decrypted = await Promise.all(result.keys_base64.map((value, i) => holders[i]!.open(value)))
    for (const hex of decrypted) assert.match(hex, /^[0-9a-f]{66}$/)
    assert.ok(await unseals(barrier, decrypted.map(bytes), 2))

    const backup = await rekey.readBackup()
    assert.equal(backup?.nonce, started.nonce)
    assert.deepEqual(backup?.keys, {
      [result.pgp_fingerprints![0]!]: [result.keys[0]],
      [result.pgp_fingerprints![1]!]: [result.keys[1]],
    })
    await rekey.deleteBackup()
    assert.equal(await rekey.readBackup(), undefined)
  })

  it('keeps no backup unless asked', async () => {
    const { rekey, shares } = await setup()
    const holder = await pgpPair('solo')
    const { nonce } = await rekey.start(
      request({ secretShares: 1, secretThreshold: 1, pgpKeys: [holder.publicB64] }),
    )
    await rekey.update(shares[0]!, nonce)
    const result = (await rekey.update(shares[1]!, nonce)) as RekeyResult
    assert.equal(result.backup, false)
    assert.equal(await rekey.readBackup(), undefined)
  })
})

describe('Rekey racing a cancel', () => {
  it('a share in flight when the attempt is canceled and another started does not drop the new attempt', async () => {
    // Vault holds its rekey lock across an update, so cancel and init wait for it; here they run in between.
    const physical = new MemoryStorage()
    const { barrier, reached: atGate, release } = barrierHeldAtKeyCheck(physical)
    const seal = new SealManager(physical, barrier)
    const shares = await seal.initialize(3, 2)
    const logger: Logger = { log() {}, child: () => logger }
    const rekey = new Rekey({ seal, barrier, logger })
    const first = await rekey.start(request())
    await rekey.update(shares[0]!, first.nonce)
    const inFlight = rekey.update(shares[1]!, first.nonce)
    await atGate
    rekey.cancel()
    const second = await rekey.start(request({ secretShares: 1, secretThreshold: 1 }))
    release()
    const result = (await inFlight) as RekeyResult
    assert.equal(result.complete, true)
    const status = rekey.status()
    assert.equal(status.started, true)
    assert.equal(status.nonce, second.nonce)
  })
})
