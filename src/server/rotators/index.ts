// The built-in rotation functions, by name: PostgreSQL, MySQL/MariaDB and Redis, each single user or alternating users.
import type { RotationFunction } from '../../sdk/rotation.ts'
import { alternatingUsers } from './alternating-users.ts'
import { mysqlDriver } from './mysql.ts'
import { postgresql } from './postgresql.ts'
import { rotationFunction } from './protocol.ts'
import { redisDriver } from './redis.ts'
import { singleUser } from './single-user.ts'

export const builtinRotators: Record<string, RotationFunction> = {
  'postgresql-single-user': rotationFunction(postgresql, singleUser),
  'postgresql-alternating-users': rotationFunction(postgresql, alternatingUsers),
  'mysql-single-user': rotationFunction(mysqlDriver, singleUser),
  'mysql-alternating-users': rotationFunction(mysqlDriver, alternatingUsers),
  'redis-single-user': rotationFunction(redisDriver, singleUser),
  'redis-alternating-users': rotationFunction(redisDriver, alternatingUsers),
}
