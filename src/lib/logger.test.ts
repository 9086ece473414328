// The logger's levels: filtering, children sharing the levels, per-component overrides and resets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger, ROOT_LOGGER } from './logger.ts'

function capture() {
  const lines: { level: string; msg: string; component?: string }[] = []
  const logger = createLogger('info', (line) => lines.push(JSON.parse(line)))
  return { logger, lines, messages: () => lines.map((l) => l.msg) }
}

describe('logger levels', () => {
  it('filters below the configured level; children share the levels and are listed by component', () => {
    const { logger, messages } = capture()
    const ha = logger.child({ component: 'ha' })
    logger.log('debug', 'root debug')
    ha.log('debug', 'ha debug')
    logger.log('info', 'root info')
    ha.log('warn', 'ha warn')
    assert.deepEqual(messages(), ['root info', 'ha warn'])
    assert.deepEqual(logger.levels!.names(), [ROOT_LOGGER, 'ha'])
  })

  it('setAll changes every logger; set changes one; reset and resetAll go back to the configured level', () => {
    const { logger, messages, lines } = capture()
    const ha = logger.child({ component: 'ha' })
    const exp = logger.child({ component: 'expiration' })
    const levels = logger.levels!
    levels.setAll('debug')
    ha.log('debug', 'a')
    logger.log('debug', 'b')
    levels.set('ha', 'error')
    ha.log('warn', 'c')
    exp.log('debug', 'd')
    levels.reset('expiration')
    exp.log('debug', 'e')
    exp.log('info', 'f')
    assert.equal(levels.levelOf('expiration'), 'info')
    assert.equal(levels.levelOf(), 'debug')
    levels.resetAll()
    ha.log('info', 'g')
    logger.log('debug', 'h')
    assert.deepEqual(messages(), ['a', 'b', 'd', 'f', 'g'])
    assert.equal(lines[0]!.component, 'ha')
    assert.deepEqual(
      levels.names().map((n) => levels.levelOf(n)),
      ['info', 'info', 'info'],
    )
  })
})
