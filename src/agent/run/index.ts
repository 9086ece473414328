// The `coffer run` library: secret specs, env mapping, masking and the child's lifecycle.

export { SecretReadError } from '../render/secret-reader.ts'
export { TemplateExecError } from '../template/index.ts'
export { EnvFileError, EnvFileTemplate, parseDotenv } from './env-file-template.ts'
export { EnvMappingError, envNameFor, type FetchedSecret, mapToEnv } from './env-names.ts'
export { SecretFetchError } from './fetch-secrets.ts'
export { MASK, maskingStream, SecretMasker } from './mask-stream.ts'
export { CANNOT_START, runSession } from './run-session.ts'
export { parseSecretSpec, type SecretSpec, SecretSpecError } from './secret-spec.ts'
