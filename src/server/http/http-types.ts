// The adapter's own request/response shapes, independent of node:http so the LIST path and tests share them.
export interface HttpRequest {
  method: string
  /** Raw request target: path plus optional query string. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  remoteAddress: string
}

export interface HttpResult {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array
}

export function jsonResult(
  status: number,
  value: unknown,
  extraHeaders: Record<string, string> = {},
): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extraHeaders },
    body: `${JSON.stringify(value)}\n`,
  }
}

export function emptyResult(status = 204): HttpResult {
  return { status, headers: { 'cache-control': 'no-store' }, body: '' }
}
