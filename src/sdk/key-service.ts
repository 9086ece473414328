// The KMS keys an engine may encrypt with (Secrets Manager's KmsKeyId): the server supplies it, routed to its KMS mount.

/** A KMS key as a KmsKeyId resolved it: its id and its ARN. */
export interface KmsKeyRef {
  keyId: string
  arn: string
}

/**
 * Whose permission a key operation is checked against: the caller of the request being handled (the server checks
 * the capability the KMS action needs on the key's path of the KMS mount, from the same policies that let the
 * request in), or `server` for work no caller asked for (redacting values from a failure report), which is never
 * answered to anyone.
 */
export type KeyCaller = KeyRequest | 'server'

/** The request being handled, as far as a key operation needs it: a BackendRequest is one (request.ts uses this). */
export interface KeyRequest {
  readonly id: string
  readonly headers: Readonly<Record<string, string>>
  readonly remoteAddress: string
}

/**
 * Operations on the server's KMS keys. Failures are AwsErrors with KMS's types: NotFoundException (no such key or
 * alias, or no KMS on the server), DisabledException, KMSInvalidStateException (pending deletion),
 * AccessDeniedException (the caller may not use the key so), InvalidCiphertextException.
 */
export interface KeyService {
  /** The key a KmsKeyId names (key id, key ARN, `alias/<name>`, alias ARN); its state is not checked. */
  resolve(caller: KeyCaller, kmsKeyId: string): Promise<KmsKeyRef>
  /** A fresh 256-bit data key and the same key encrypted under `keyId` with `context` (kms:GenerateDataKey). */
  generateDataKey(
    caller: KeyCaller,
    keyId: string,
    context: Record<string, string>,
  ): Promise<{ plaintext: Buffer; blob: Buffer }>
  /** `plaintext` (at most 4 KiB) encrypted under `keyId` with `context` (kms:Encrypt). */
  encrypt(
    caller: KeyCaller,
    keyId: string,
    plaintext: Buffer,
    context: Record<string, string>,
  ): Promise<Buffer>
  /** A blob from generateDataKey or encrypt, decrypted under `keyId` with the same `context` (kms:Decrypt). */
  decrypt(caller: KeyCaller, keyId: string, blob: Buffer, context: Record<string, string>): Promise<Buffer>
}
