// The only place concrete secrets engines and auth methods are named; adding one is a line here.
import type { BackendDefinition } from '../sdk/framework/backend.ts'
import { approleBackend } from './auth/approle/backend.ts'
import { awsKeysBackend } from './auth/aws-keys/backend.ts'
import { certBackend } from './auth/cert/backend.ts'
import { jwtBackend } from './auth/jwt/backend.ts'
import { kubernetesBackend } from './auth/kubernetes/backend.ts'
import { userpassBackend } from './auth/userpass/backend.ts'
import { databaseBackend } from './engines/database/backend.ts'
import { kvBackend } from './engines/kv/backend.ts'
import { secretsManagerBackend } from './engines/secretsmanager/backend.ts'
import { ssmBackend } from './engines/ssm/backend.ts'
import { transitBackend } from './engines/transit/backend.ts'

export const secretEngines: Record<string, BackendDefinition<unknown>> = {
  kv: kvBackend as BackendDefinition<unknown>,
  database: databaseBackend as BackendDefinition<unknown>,
  secretsmanager: secretsManagerBackend as BackendDefinition<unknown>,
  ssm: ssmBackend as BackendDefinition<unknown>,
  transit: transitBackend as BackendDefinition<unknown>,
}

export const authMethods: Record<string, BackendDefinition<unknown>> = {
  userpass: userpassBackend as BackendDefinition<unknown>,
  approle: approleBackend as BackendDefinition<unknown>,
  jwt: jwtBackend as BackendDefinition<unknown>,
  oidc: jwtBackend as BackendDefinition<unknown>,
  kubernetes: kubernetesBackend as BackendDefinition<unknown>,
  cert: certBackend as BackendDefinition<unknown>,
  'aws-keys': awsKeysBackend as BackendDefinition<unknown>,
}
