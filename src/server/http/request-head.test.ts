// The version and Host checks every request head passes before it is routed.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { headProblem, unsupportedVersion, validHost } from './request-head.ts'

const head = (major: number, minor: number, ...rawHeaders: string[]) =>
  ({ httpVersionMajor: major, httpVersionMinor: minor, rawHeaders }) as unknown as IncomingMessage

describe('headProblem', () => {
  it('refuses any version but 1.0 and 1.1 with 505', () => {
    for (const [major, minor] of [
      [2, 0],
      [0, 9],
      [1, 2],
      [3, 0],
    ] as const)
      assert.equal(headProblem(head(major, minor, 'Host', 'x'))?.status, 505, `${major}.${minor}`)
    assert.equal(headProblem(head(1, 1, 'Host', 'x')), undefined)
    assert.equal(headProblem(head(1, 0, 'Host', 'x')), undefined)
  })

  it('requires exactly one valid Host on HTTP/1.1, at most one valid Host on HTTP/1.0', () => {
    assert.equal(headProblem(head(1, 1))?.message, 'missing required Host header')
    assert.equal(headProblem(head(1, 0)), undefined)
    for (const minor of [0, 1]) {
      assert.equal(
        headProblem(head(1, minor, 'Host', 'a', 'X-A', 'b', 'HOST', 'a'))?.message,
        'multiple Host headers',
      )
      assert.equal(headProblem(head(1, minor, 'hoSt', 'a b'))?.message, 'malformed Host header')
      // A header whose name merely starts like Host is another header.
      assert.equal(headProblem(head(1, minor, 'Host', 'a', 'Hosts', 'b', 'X-Host', 'c')), undefined)
    }
  })
})

describe('validHost', () => {
  it('takes names, addresses, IPv6 literals, ports and an empty value', () => {
    for (const value of ['x', 'a.example.com:8200', '10.0.0.1', '[::1]:8200', '[fe80::1%25eth0]', 'a_b', ''])
      assert.ok(validHost(value), value)
  })

  it('refuses a comma, whitespace, slashes, userinfo, quotes, controls and non-ASCII', () => {
    for (const value of [
      'a,b',
      'a b',
      'a\tb',
      'a/b',
      'a\\b',
      'u@a',
      'a?b',
      'a#b',
      '"a"',
      'a\x00',
      'a\x7f',
      'bücher.de',
    ])
      assert.ok(!validHost(value), JSON.stringify(value))
  })
})

describe('unsupportedVersion', () => {
  it('is true for a well-formed HTTP/d.d other than 1.0 and 1.1 at the end of a request line', () => {
    for (const line of ['GET / HTTP/2.0', 'GET / HTTP/1.2', 'GET / HTTP/0.9', 'GET /x HTTP/9.9'])
      assert.ok(unsupportedVersion(line), line)
    for (const line of [
      'GET / HTTP/1.1',
      'GET / HTTP/1.0',
      'GET / HTTP/1.10',
      'GET / HTTP/11.1',
      'GET / http/2.0',
      'GET / HTTP/2',
      'HTTP/2.0',
      'GET /HTTP/2.0',
    ])
      assert.ok(!unsupportedVersion(line), line)
  })
})
