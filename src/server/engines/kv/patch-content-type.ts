// PATCH must carry the JSON merge patch media type, as Vault's HTTP layer insists (415 otherwise).
import { UnsupportedMediaTypeError } from '../../../sdk/errors.ts'

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json'

export function requireMergePatch(contentType: string): void {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  if (mediaType !== MERGE_PATCH_CONTENT_TYPE) {
    throw new UnsupportedMediaTypeError(
      `PATCH requires Content-Type of ${MERGE_PATCH_CONTENT_TYPE}, got ${JSON.stringify(mediaType)}`,
    )
  }
}
