// KMS's paging Marker: read as AWS reads it, and refused (InvalidMarkerException) when no page of this list ends there.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optString } from '../../../../sdk/aws-input.ts'

type Input = Record<string, unknown>

/**
 * The Marker a previous page's NextMarker gave, or undefined on the first page. A marker this list could not have
 * given is refused: answering it with an empty last page would tell the caller it had seen every item.
 */
export function readMarker(input: Input, couldHaveGiven: (marker: string) => boolean): string | undefined {
  const marker = optString(input, 'Marker', { min: 1, max: 1024 })
  if (marker !== undefined && !couldHaveGiven(marker))
    throw new AwsError('InvalidMarkerException', 'The request was rejected because the marker is not valid.')
  return marker
}
