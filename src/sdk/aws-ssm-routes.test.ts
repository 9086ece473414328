// The SSM route table: each action's capability and per-parameter path, and how references parse.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parameterFolder, parseParameterRef, ssmRoute } from './aws-ssm-routes.ts'

describe('ssm routes', () => {
  it('maps each single-parameter action to its capability on the parameter path', () => {
    assert.deepEqual(ssmRoute('GetParameter', { Name: '/prod/app/db:3' }), {
      operation: 'read',
      path: 'parameters/prod/app/db',
    })
    assert.deepEqual(ssmRoute('PutParameter', { Name: '/prod/app/db' }), {
      operation: 'create',
      path: 'parameters/prod/app/db',
    })
    assert.deepEqual(ssmRoute('DeleteParameter', { Name: 'plain' }), {
      operation: 'delete',
      path: 'parameters/plain',
    })
    assert.deepEqual(ssmRoute('GetParameterHistory', { Name: '/a' }), {
      operation: 'read',
      path: 'parameters/a',
    })
    assert.deepEqual(ssmRoute('LabelParameterVersion', { Name: '/a/b' }), {
      operation: 'update',
      path: 'labels/a/b',
    })
    assert.deepEqual(ssmRoute('UnlabelParameterVersion', { Name: '/a/b' }), {
      operation: 'delete',
      path: 'labels/a/b',
    })
    assert.deepEqual(ssmRoute('ListTagsForResource', { ResourceId: '/a' }), {
      operation: 'read',
      path: 'tags/a',
    })
    assert.deepEqual(ssmRoute('AddTagsToResource', { ResourceId: '/a' }), {
      operation: 'update',
      path: 'tags/a',
    })
    assert.deepEqual(ssmRoute('RemoveTagsFromResource', { ResourceId: '/a' }), {
      operation: 'delete',
      path: 'tags/a',
    })
  })

  it('authorises listings as list on the folder they cover', () => {
    assert.deepEqual(ssmRoute('GetParametersByPath', { Path: '/prod/app/' }), {
      operation: 'list',
      path: 'parameters/prod/app/',
    })
    assert.deepEqual(ssmRoute('GetParametersByPath', { Path: '/' }), {
      operation: 'list',
      path: 'parameters/',
    })
    assert.deepEqual(
      ssmRoute('DescribeParameters', { ParameterFilters: [{ Key: 'Path', Values: ['/prod'] }] }),
      {
        operation: 'list',
        path: 'parameters/prod/',
      },
    )
    assert.deepEqual(ssmRoute('DescribeParameters', {}), { operation: 'list', path: 'parameters/' })
    assert.equal(parameterFolder('/a/b'), 'parameters/a/b/')
  })

  it('parses names, selectors and ARNs', () => {
    assert.deepEqual(parseParameterRef('/a/b:prod'), { name: '/a/b', selector: 'prod' })
    assert.deepEqual(parseParameterRef('arn:aws:ssm:eu-west-1:123456789012:parameter/a/b:2'), {
      name: '/a/b',
      selector: '2',
    })
    assert.deepEqual(parseParameterRef('arn:aws:ssm:eu-west-1:123456789012:parameter/plain'), {
      name: 'plain',
    })
  })
})
