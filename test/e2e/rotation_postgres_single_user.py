#!/usr/bin/env python3
# A single-user PostgreSQL rotation function shaped like AWS's published Lambda template, run by Coffer's command runner.
# It makes the template's Secrets Manager calls through boto3 (DescribeSecret, GetSecretValue, GetRandomPassword,
# PutSecretValue, UpdateSecretVersionStage) against SECRETS_MANAGER_ENDPOINT, and the database calls through psycopg,
# the driver the template uses; nothing in it knows it talks to Coffer.

import json
import logging
import os
import sys

import boto3
import psycopg
from psycopg import sql

log = logging.getLogger('rotation')
log.setLevel(logging.INFO)

CURRENT, PENDING, PREVIOUS = 'AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'


def lambda_handler(event, context):
    """Runs one of the four rotation steps for the secret named in the event."""
    secret_id, token, step = event['SecretId'], event['ClientRequestToken'], event['Step']
    client = boto3.client('secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT'])

    # The rotation must be switched on, and the token must name a version staged for this rotation.
    described = client.describe_secret(SecretId=secret_id)
    if described.get('RotationEnabled') is False:
        raise ValueError('rotation is not enabled for %s' % secret_id)
    stages = described['VersionIdsToStages']
    if token not in stages:
        raise ValueError('version %s is not a version of %s' % (token, secret_id))
    if CURRENT in stages[token]:
        log.info('version %s of %s is already current; nothing to do', token, secret_id)
        return
    if PENDING not in stages[token]:
        raise ValueError('version %s of %s is not staged as %s' % (token, secret_id, PENDING))

    steps = {'createSecret': create_secret, 'setSecret': set_secret, 'testSecret': test_secret,
             'finishSecret': finish_secret}
    if step not in steps:
        raise ValueError('unknown step %s' % step)
    steps[step](client, secret_id, token)


def create_secret(client, secret_id, token):
    """Stores a copy of the current credentials with a new random password as the pending version, once."""
    current = read_secret(client, secret_id, CURRENT)
    try:
        read_secret(client, secret_id, PENDING, token)
        log.info('createSecret: the pending version of %s already has a value', secret_id)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    excluded = os.environ.get('EXCLUDE_CHARACTERS', '/@"\'\\')
    current['password'] = client.get_random_password(ExcludeCharacters=excluded)['RandomPassword']
    client.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=json.dumps(current),
                            VersionStages=[PENDING])
    log.info('createSecret: stored the pending version %s of %s', token, secret_id)


def set_secret(client, secret_id, token):
    """Changes the user's password in the database to the pending one, logging in with whichever password works."""
    pending = read_secret(client, secret_id, PENDING, token)
    if connect(pending) is not None:
        log.info('setSecret: the pending password of %s already logs in', secret_id)
        return
    current = read_secret(client, secret_id, CURRENT)
    for key in ('username', 'host'):
        if current[key] != pending[key]:
            raise ValueError('setSecret: the pending %s differs from the current one' % key)
    connection = connect(current)
    if connection is None:
        try:
            connection = connect(read_secret(client, secret_id, PREVIOUS))
        except (client.exceptions.ResourceNotFoundException, KeyError):
            connection = None
    if connection is None:
        raise ValueError('setSecret: no stored password of %s logs in' % secret_id)
    with connection:
        statement = sql.SQL('ALTER USER {} WITH PASSWORD {}').format(
            sql.Identifier(pending['username']), sql.Literal(pending['password']))
        connection.execute(statement)
    log.info('setSecret: changed the password of the user of %s', secret_id)


def test_secret(client, secret_id, token):
    """Logs in with the pending credentials and runs a query."""
    connection = connect(read_secret(client, secret_id, PENDING, token))
    if connection is None:
        raise ValueError('testSecret: the pending password of %s does not log in' % secret_id)
    with connection:
        connection.execute('SELECT now()')
    log.info('testSecret: the pending password of %s logs in', secret_id)


def finish_secret(client, secret_id, token):
    """Moves AWSCURRENT to the pending version (the old current becomes AWSPREVIOUS)."""
    stages = client.describe_secret(SecretId=secret_id)['VersionIdsToStages']
    current = next((version for version, labels in stages.items() if CURRENT in labels), None)
    if current == token:
        log.info('finishSecret: version %s of %s is already current', token, secret_id)
        return
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=token,
                                       RemoveFromVersionId=current)
    log.info('finishSecret: version %s of %s is now current', token, secret_id)


def connect(secret):
    """A connection with the secret's credentials, or None when they do not log in."""
    try:
        return psycopg.connect(host=secret['host'], port=int(secret.get('port', 5432)),
                               user=secret['username'], password=secret['password'],
                               dbname=secret.get('dbname', 'postgres'), connect_timeout=5, autocommit=True)
    except psycopg.OperationalError:
        return None


def read_secret(client, secret_id, stage, token=None):
    """The secret's JSON at `stage` (and version `token` when given), checked for the fields a rotation needs."""
    if token:
        answer = client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=stage)
    else:
        answer = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
    secret = json.loads(answer['SecretString'])
    for key in ('host', 'username', 'password'):
        if key not in secret:
            raise KeyError('the secret has no %s' % key)
    if secret.get('engine', 'postgres') != 'postgres':
        raise KeyError('the secret is not for a postgres engine')
    return secret


if __name__ == '__main__':
    # Coffer's command contract: the event JSON is the last argument (and on stdin).
    logging.basicConfig(stream=sys.stderr)
    lambda_handler(json.loads(sys.argv[-1]), None)
