// Coffer's AWS answers held to botocore's own service models: every Secrets Manager, SSM and KMS action Coffer serves,
// called by unmodified boto3, answers with the members, JSON types and enums the model declares, fails with the
// model's errors and statuses, and pages every item exactly once.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KMS_ACTIONS } from '../../src/sdk/aws-kms-routes.ts'
import { SECRETS_MANAGER_ACTIONS } from '../../src/sdk/aws-secretsmanager-routes.ts'
import { SSM_ACTIONS } from '../../src/sdk/aws-ssm-routes.ts'
import { accessKeyFor, BOTO3, clientEnv, findings, mustCall, runClient } from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-model-conformance.py', import.meta.url))

/** Members Coffer adds to AWS's shapes (harmless to SDKs, which skip unknown members): its own status fields. */
const KNOWN_EXTRA = ['DescribeSecretResponse.RotationStatus']

describe("Coffer's AWS answers against botocore's service models", { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let awsEnv: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/aws-admin', {
      policy: ['secretsmanager', 'ssm', 'kms']
        .map((m) => `path "${m}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`)
        .join('\n'),
    })
    awsEnv = clientEnv(t.address, await accessKeyFor(t, 'admin', 'aws-admin'))
  })
  after(() => t?.close())

  it('every action answers as its model says, errors included, and every paginator sees each item once', async () => {
    const f = findings(await runClient('python3', [SCRIPT], awsEnv))
    assert.deepEqual(f['problems'], [])
    for (const member of f['extra'] as string[]) assert.ok(KNOWN_EXTRA.includes(member), member)
    const served = [
      ...SECRETS_MANAGER_ACTIONS.map((a) => `secretsmanager:${a}`),
      ...SSM_ACTIONS.map((a) => `ssm:${a}`),
      ...KMS_ACTIONS.map((a) => `kms:${a}`),
    ].sort()
    assert.deepEqual(f['operations'], served)
    const pages = f['pages'] as Record<string, { items: number; distinct: number; pages: number }>
    const expected: Record<string, number> = {
      ListSecrets: 7,
      GetParametersByPath: 7,
      DescribeParameters: 7,
      GetParameterHistory: 9,
      ListKeys: 5,
      ListAliases: 7,
      ListResourceTags: 8,
    }
    for (const [paginator, items] of Object.entries(expected)) {
      assert.deepEqual(pages[paginator], { items, distinct: items, pages: Math.ceil(items / 2) }, paginator)
    }
  })
})
