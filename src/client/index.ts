// Public entry of the client library.
export { ApiError, ConnectionError, extractErrors, formatApiErrorMessage, isApiError } from './api-error.ts'
export type {
  ApiResponse,
  InitResponse,
  RequestOptions,
  SealStatus,
  SecretEnvelope,
  VaultClientOptions,
} from './vault-client.ts'
export { VaultClient } from './vault-client.ts'
