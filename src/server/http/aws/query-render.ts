// AWS Query protocol answers (STS): a `<Action>Response` document, and errors as the `<ErrorResponse>` botocore parses.
import { AwsError } from '../../../sdk/aws-error.ts'
import type { HttpResult } from '../http-types.ts'

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/'

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  )
}

/** Elements in the order given; a nested record becomes a nested element. Only strings and records appear in STS answers. */
export type XmlFields = { [name: string]: string | XmlFields }

function elements(fields: XmlFields): string {
  let out = ''
  for (const [name, value] of Object.entries(fields))
    out += `<${name}>${typeof value === 'string' ? escapeXml(value) : elements(value)}</${name}>`
  return out
}

function headers(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'cache-control': 'no-store' }
}

export function queryResult(requestId: string, action: string, result: XmlFields): HttpResult {
  return {
    status: 200,
    headers: headers(requestId),
    body:
      `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${elements(result)}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`,
  }
}

export function queryErrorResult(requestId: string, error: unknown): HttpResult {
  const aws =
    error instanceof AwsError ? error : new AwsError('InternalFailure', 'An internal error occurred.', 500)
  const type = aws.status >= 500 ? 'Receiver' : 'Sender'
  return {
    status: aws.status,
    headers: headers(requestId),
    body:
      `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(aws.awsType)}</Code>` +
      `<Message>${escapeXml(aws.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`,
  }
}
