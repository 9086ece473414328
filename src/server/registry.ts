// The only place concrete secrets engines and auth methods are named; adding one is a line here.
import type { BackendDefinition } from '../sdk/framework/backend.ts'
import { userpassBackend } from './auth/userpass/backend.ts'
import { databaseBackend } from './engines/database/backend.ts'
import { kvBackend } from './engines/kv/backend.ts'

export const secretEngines: Record<string, BackendDefinition<unknown>> = {
  kv: kvBackend as BackendDefinition<unknown>,
  database: databaseBackend as BackendDefinition<unknown>,
}

export const authMethods: Record<string, BackendDefinition<unknown>> = {
  userpass: userpassBackend as BackendDefinition<unknown>,
}
