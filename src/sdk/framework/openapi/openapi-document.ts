// The OpenAPI 3.0 document shapes Vault's help and sys/internal/specs/openapi emit, and an empty document to fill.

/** Vault's generator targets this OpenAPI version; tools that read Vault's document expect it. */
export const OPENAPI_VERSION = '3.0.2'

export interface OpenApiSchema {
  $ref?: string
  type?: string
  description?: string
  properties?: Record<string, OpenApiSchema>
  additionalProperties?: boolean
  required?: string[]
  items?: OpenApiSchema
  format?: string
  enum?: unknown[]
  default?: unknown
  'x-vault-displayAttrs'?: { sensitive?: boolean }
}

export interface OpenApiParameter {
  name: string
  description?: string
  in: 'path' | 'query'
  schema?: OpenApiSchema
  required?: boolean
}

export interface OpenApiResponse {
  description: string
  content?: Record<string, { schema: OpenApiSchema }>
}

export interface OpenApiOperation {
  summary?: string
  operationId: string
  tags?: string[]
  parameters?: OpenApiParameter[]
  requestBody?: { required: boolean; content: Record<string, { schema: OpenApiSchema }> }
  responses: Record<string, OpenApiResponse>
}

export type OpenApiMethod = 'get' | 'post' | 'patch' | 'delete'

export const OPENAPI_METHODS: readonly OpenApiMethod[] = ['get', 'post', 'patch', 'delete']

export interface OpenApiPathItem {
  description?: string
  parameters?: OpenApiParameter[]
  'x-vault-sudo'?: boolean
  'x-vault-unauthenticated'?: boolean
  'x-vault-createSupported'?: boolean
  get?: OpenApiOperation
  post?: OpenApiOperation
  patch?: OpenApiOperation
  delete?: OpenApiOperation
}

export interface OpenApiDocument {
  openapi: string
  info: {
    title: string
    description: string
    version: string
    license: { name: string; url: string }
  }
  paths: Record<string, OpenApiPathItem>
  components: { schemas: Record<string, OpenApiSchema> }
}

/** Vault's structure, with Coffer's own name: clients read the shape, people read the title. */
export function newOpenApiDocument(version: string): OpenApiDocument {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Coffer API',
      description:
        'HTTP API of Coffer, a secrets-management server that speaks the Vault HTTP API. All API routes are prefixed with `/v1/`.',
      version,
      license: { name: 'Mozilla Public License 2.0', url: 'https://www.mozilla.org/en-US/MPL/2.0' },
    },
    paths: {},
    components: { schemas: {} },
  }
}

/** Paths and schemas in key order, as Vault's (Go map) JSON has them, so the document diffs cleanly. */
export function sortDocument(doc: OpenApiDocument): OpenApiDocument {
  const sorted = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return { ...doc, paths: sorted(doc.paths), components: { schemas: sorted(doc.components.schemas) } }
}
