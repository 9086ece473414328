// -pgp-keys file reading: binary, base64 and armored keys, keybase refusal, order, Vault's "@" prefix.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { armor, enums, generateKey, readKey } from 'openpgp'
import { UsageError } from './flags.ts'
import { readPgpKeyFile, readPgpKeyFiles } from './pgp-key-files.ts'

let dir: string
let armored: string
let binary: Uint8Array

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-pgp-files-'))
  const pair = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'op' }] })
  armored = pair.publicKey
  binary = (await readKey({ armoredKey: armored })).write()
})
after(() => rmSync(dir, { recursive: true, force: true }))

test('a binary key is sent as its base64', async () => {
  writeFileSync(join(dir, 'bin.gpg'), binary)
  assert.equal(await readPgpKeyFile(join(dir, 'bin.gpg')), Buffer.from(binary).toString('base64'))
})

test('a file of base64 text (wrapped or not) is sent as that base64', async () => {
  const b64 = Buffer.from(binary).toString('base64')
  const wrapped = `${b64.match(/.{1,64}/g)!.join('\n')}\n`
  writeFileSync(join(dir, 'key.b64'), wrapped)
  assert.equal(await readPgpKeyFile(`@${join(dir, 'key.b64')}`), b64)
})

test('an armored key is re-serialised to binary; two keys in one file are refused', async () => {
  writeFileSync(join(dir, 'key.asc'), armored)
  assert.equal(await readPgpKeyFile(join(dir, 'key.asc')), Buffer.from(binary).toString('base64'))
  const other = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'two' }] })
  const otherBinary = (await readKey({ armoredKey: other.publicKey })).write()
  // One armor block holding two keys (a keyring export): which key was meant is unknowable, so it is refused.
  writeFileSync(join(dir, 'two.asc'), armor(enums.armor.publicKey, Buffer.concat([binary, otherBinary])))
  await assert.rejects(readPgpKeyFile(join(dir, 'two.asc')), /more than one key found in file .*two\.asc/)
})

test('the list keeps its order; keybase: is refused before any file is read', async () => {
  writeFileSync(join(dir, 'a'), Buffer.from([1]))
  writeFileSync(join(dir, 'b'), Buffer.from([2]))
  assert.deepEqual(await readPgpKeyFiles(`${join(dir, 'b')}, ${join(dir, 'a')}`), ['Ag==', 'AQ=='])
  await assert.rejects(
    readPgpKeyFiles(`${join(dir, 'missing')},keybase:someone`),
    (error: Error) => error instanceof UsageError && /keybase: keys are not supported/.test(error.message),
  )
})
