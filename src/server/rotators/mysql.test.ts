// The mysql rotators (single user, alternating users) against a real database and a real Coffer over the AWS SDK.
import { mariaDatabase } from '../../../test/helpers/rotation-databases.ts'
import { rotatorSuite } from './test-helpers.ts'

await rotatorSuite(mariaDatabase())
