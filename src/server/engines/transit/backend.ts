// The transit secrets engine: named keys that encrypt, sign and HMAC data the server never stores (Vault's transit).

import { defineBackend } from '../../../sdk/framework/backend.ts'
import { rotateDueKeys } from './auto-rotate.ts'
import { transitInventory } from './inventory.ts'
import { withKms } from './kms/dispatch.ts'
import { aliasListPath, aliasPath } from './kms/path-aliases.ts'
import { backupPath, cacheConfigPath, restoreNamedPath, restorePath } from './path-backup.ts'
import { datakeyPath } from './path-datakey.ts'
import { decryptPath, rewrapPath } from './path-decrypt.ts'
import { encryptPath } from './path-encrypt.ts'
import { exportPath, exportVersionPath } from './path-export.ts'
import { hmacAlgorithmPath, hmacPath } from './path-hmac.ts'
import { importPath, importVersionPath, wrappingKeyPath } from './path-import.ts'
import { keyConfigPath, keyRotatePath, keyTrimPath } from './path-key-admin.ts'
import { keyPath, keysListPath } from './path-keys.ts'
import { signAlgorithmPath, signPath, verifyAlgorithmPath, verifyPath } from './path-sign.ts'
import { hashPaths, randomPaths } from './path-utilities.ts'
import { TransitState } from './state.ts'

export const transitBackend = defineBackend<TransitState>({
  kind: 'secret',
  help:
    'The transit backend encrypts, decrypts, signs, verifies and HMACs data with named, versioned keys; ' +
    'ciphertexts and signatures are vault:v<N>: values as Vault writes them.',
  paths: [
    // The paths KMS actions are authorised on also answer them (docs/kms.md).
    withKms(keysListPath),
    withKms(keyPath),
    withKms(keyConfigPath),
    withKms(keyRotatePath),
    keyTrimPath,
    withKms(encryptPath),
    withKms(decryptPath),
    rewrapPath,
    withKms(datakeyPath),
    withKms(hmacPath),
    hmacAlgorithmPath,
    withKms(signPath),
    signAlgorithmPath,
    withKms(verifyPath),
    verifyAlgorithmPath,
    ...randomPaths.map((path) => withKms(path)),
    ...hashPaths,
    exportPath,
    exportVersionPath,
    backupPath,
    restorePath,
    restoreNamedPath,
    cacheConfigPath,
    wrappingKeyPath,
    importPath,
    importVersionPath,
    aliasListPath,
    aliasPath,
  ],
  // One lock per key name: creation, rotation and config changes of a key never interleave.
  setup: () => new TransitState(),
  periodic: rotateDueKeys,
  inventory: (ctx) => transitInventory(ctx),
})
