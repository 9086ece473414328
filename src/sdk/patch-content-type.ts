// PATCH must carry the JSON merge patch media type, as Vault's HTTP layer insists (415 otherwise).
import { UnsupportedMediaTypeError } from './errors.ts'

const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json'

/** The media type of a Content-Type header: parameters dropped, lower-cased, since media types compare case-insensitively. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase()
}

/**
 * Throws a 415 unless `contentType` names the merge patch media type (any case, parameters allowed). The HTTP
 * adapter checks every PATCH with it and KV's patch handlers check their requests with it, so both answer alike.
 */
export function requireMergePatch(contentType: string): void {
  const type = mediaType(contentType)
  if (type !== MERGE_PATCH_CONTENT_TYPE) {
    throw new UnsupportedMediaTypeError(
      `PATCH requires Content-Type of ${MERGE_PATCH_CONTENT_TYPE}, got ${JSON.stringify(type)}`,
    )
  }
}
