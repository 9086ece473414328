// The Secrets Manager engine: AWS's secret model (versions, staging labels, scheduled deletion) behind Vault paths.

import type { StoredValue } from '../../../sdk/framework/backend.ts'
import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { KeyService } from '../../../sdk/key-service.ts'
import { smInventory } from './inventory.ts'
import { loadAllRecords, loadValue, storeIdOf } from './model.ts'
import { metadataPath } from './path-metadata.ts'
import { policyPath, validatePolicyPath } from './path-policy.ts'
import { randomPasswordPath } from './path-random-password.ts'
import { promotePath, replicationPath } from './path-replication.ts'
import { restorePath, tagsPath } from './path-resource.ts'
import { rotationPath } from './path-rotation.ts'
import { secretsPath } from './path-secrets.ts'
import { versionsPath } from './path-versions.ts'
import { withResourcePolicy } from './policy-check.ts'
import { earliestDeletion, purgeDue } from './purge.ts'
import { launchDueRotations, stopRotations } from './rotation-periodic.ts'
import { SmState } from './state.ts'
import { openStored } from './version-crypto.ts'

export const secretsManagerBackend = defineBackend<SmState>({
  kind: 'secret',
  // KmsKeyId: versions are sealed under the caller's KMS keys, with the caller's permissions.
  usesKeyService: true,
  help:
    'The secretsmanager backend keeps secrets the way AWS Secrets Manager does (immutable versions, staging ' +
    'labels, tags, scheduled deletion) and serves the same secrets to Vault clients and to AWS clients through ' +
    'the AWS adapter. Mount options: region (default us-east-1) and account_id (default 000000000000).',
  // A secret's resource policy is checked on every path that names the secret (see policy-check.ts).
  paths: [
    withResourcePolicy(secretsPath),
    withResourcePolicy(metadataPath),
    withResourcePolicy(versionsPath),
    withResourcePolicy(tagsPath),
    withResourcePolicy(restorePath),
    withResourcePolicy(rotationPath),
    withResourcePolicy(replicationPath),
    withResourcePolicy(promotePath),
    withResourcePolicy(policyPath, { vaultApi: false }),
    validatePolicyPath,
    randomPasswordPath,
  ],
  // LIST secrets/ and LIST metadata/ show the same names: a caller who may use either path of a secret sees it.
  visibilityPaths: (path) =>
    path.startsWith('metadata/')
      ? [`secrets/${path.slice('metadata/'.length)}`]
      : path.startsWith('secrets/')
        ? [`metadata/${path.slice('secrets/'.length)}`]
        : [],
  setup: async ({ storage }) => {
    const state = new SmState()
    state.dueAt(await earliestDeletion(storage))
    // The first tick looks for due rotations: one that fell due while the server was down runs once, now.
    state.nextRotationDue = 0
    return state
  },
  // The periodic hook runs on the active node only: rotations never run on a standby.
  periodic: async ({ storage, system, state }) => {
    await purgeDue({ storage, now: () => system.now(), state })
    await launchDueRotations({ storage, system, state })
  },
  cleanup: (state) => stopRotations({ state }),
  storedValues: (ctx) => storedValues(ctx.storage, ctx.system.mount.path, ctx.system.keys),
  inventory: (ctx) => smInventory(ctx),
})

/** Every text value of every version, for the leak fingerprint index. */
async function* storedValues(
  storage: Parameters<typeof loadAllRecords>[0],
  mountPath: string,
  keys: KeyService | undefined,
): AsyncIterable<StoredValue> {
  for (const record of await loadAllRecords(storage))
    for (const versionId of Object.keys(record.versions)) {
      // A version sealed under a KMS key is opened by the server: fingerprints are kept, never the value.
      const value = await loadValue(storage, storeIdOf(record), versionId)
        .then((stored) => openStored({ keys, caller: 'server' }, record, stored))
        .catch(() => undefined)
      if (value?.SecretString !== undefined)
        yield { path: `${mountPath}secrets/${record.name}`, field: 'SecretString', value: value.SecretString }
    }
}
