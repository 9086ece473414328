// replication/<name> (ReplicateSecretToRegions, RemoveRegionsFromReplication) and promote/<name> (StopReplicationToReplica).
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import {
  removeRegionsFromReplication,
  replicateSecretToRegions,
  stopReplicationToReplica,
} from './actions/replication.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import type { SmState } from './state.ts'
import { vaultShape } from './vault-shape.ts'

const shaped = (out: Record<string, unknown>) => ({ data: vaultShape(out) as Record<string, unknown> })

const replicationFields = {
  name: f.string({ description: 'The secret name (the primary).' }),
  add_replica_regions: f.list({ description: 'Regions to replicate the secret to.' }),
  force_overwrite_replica_secret: f.bool({
    description: 'Delete a secret of the same name that is primary in a region being added.',
  }),
  remove_replica_regions: f.list({ description: 'On delete, the replica regions to remove.' }),
  SecretId: f.any(),
  AddReplicaRegions: f.any(),
  ForceOverwriteReplicaSecret: f.any(),
  RemoveReplicaRegions: f.any(),
}

export const replicationPath = definePath<typeof replicationFields, SmState>({
  pattern: 'replication/*name',
  fields: replicationFields,
  help: 'Replicate a secret to other regions (read-only replicas kept in sync); delete removes replica regions.',
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(
        await replicateSecretToRegions(smContext(ctx), {
          SecretId: ctx.params['name'],
          AddReplicaRegions: (ctx.input.add_replica_regions ?? []).map((region) => ({ Region: region })),
          ForceOverwriteReplicaSecret: ctx.input.force_overwrite_replica_secret,
        }),
      )
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(
        await removeRegionsFromReplication(smContext(ctx), {
          SecretId: ctx.params['name'],
          RemoveReplicaRegions: ctx.input.remove_replica_regions ?? [],
        }),
      )
    },
  },
})

const promoteFields = {
  name: f.string({ description: 'The secret name.' }),
  region: f.string({ description: 'The replica region to promote (AWS clients call from that region).' }),
  SecretId: f.any(),
}

export const promotePath = definePath<typeof promoteFields, SmState>({
  pattern: 'promote/*name',
  fields: promoteFields,
  help: "Promote a secret's replica in a region to a standalone secret there.",
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      // The Vault API carries no region: it names the replica's, and the request acts there as an AWS one would.
      const sm = { ...smContext(ctx), region: ctx.input.region ?? '', anyRegion: false }
      return shaped(await stopReplicationToReplica(sm, { SecretId: ctx.params['name'] }))
    },
  },
})
