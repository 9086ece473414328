// The postgresql rotators (single user, alternating users) against a real database and a real Coffer over the AWS SDK.
import { postgresDatabase } from '../../../test/helpers/rotation-databases.ts'
import { rotatorSuite } from './test-helpers.ts'

await rotatorSuite(postgresDatabase())
