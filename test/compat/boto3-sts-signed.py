# Unmodified boto3 with the signed STS actions against Coffer: GetSessionToken and AssumeRole, the credentials
# they return used for Secrets Manager, and their refusals. Prints one JSON object of findings on its last line.
import json
import os
from datetime import datetime, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
ONCE = Config(retries={"max_attempts": 1, "mode": "standard"})
SECRET = "prod/db/credentials"


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def session_of(credentials):
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def read_secret(session):
    secret = session.client("secretsmanager", config=ONCE).get_secret_value(SecretId=SECRET)
    return json.loads(secret["SecretString"])["username"]


# GetSessionToken with the reader's long-term key: the session acts as the key's user, with its role's policies.
reader = boto3.session.Session(
    aws_access_key_id=os.environ["READER_KEY_ID"], aws_secret_access_key=os.environ["READER_SECRET"]
)
issued = reader.client("sts", config=ONCE).get_session_token()["Credentials"]
findings["token_key_prefix"] = issued["AccessKeyId"][:4]
# The default 12 hours, capped at the role's max_session_duration (3600 s by default).
findings["token_lifetime_at_most_hour"] = (issued["Expiration"] - datetime.now(timezone.utc)).total_seconds() <= 3600
findings["token_secret"] = read_secret(session_of(issued))
findings["token_identity"] = session_of(issued).client("sts", config=ONCE).get_caller_identity()["Arn"]
findings["token_from_session"] = error_code(
    lambda: session_of(issued).client("sts", config=ONCE).get_session_token()
)
findings["token_too_long"] = error_code(
    lambda: reader.client("sts", config=ONCE).get_session_token(DurationSeconds=129601)
)

# AssumeRole: the deployer's key may assume "reader" (Coffer policy on its session path), and reads as reader.
deployer = boto3.session.Session(
    aws_access_key_id=os.environ["DEPLOYER_KEY_ID"], aws_secret_access_key=os.environ["DEPLOYER_SECRET"]
)
sts = deployer.client("sts", config=ONCE)
findings["deployer_reads"] = error_code(lambda: read_secret(deployer))
assumed = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/reader", RoleSessionName="deploy-1")
findings["assumed_key_prefix"] = assumed["Credentials"]["AccessKeyId"][:4]
findings["assumed_arn"] = assumed["AssumedRoleUser"]["Arn"]
findings["assumed_role_id"] = assumed["AssumedRoleUser"]["AssumedRoleId"]
findings["assumed_secret"] = read_secret(session_of(assumed["Credentials"]))
findings["assumed_identity"] = session_of(assumed["Credentials"]).client("sts", config=ONCE).get_caller_identity()["Arn"]
findings["assumed_denied_write"] = error_code(
    lambda: session_of(assumed["Credentials"]).client("secretsmanager", config=ONCE).put_secret_value(
        SecretId=SECRET, SecretString="x"
    )
)
findings["assumed_get_session_token"] = error_code(
    lambda: session_of(assumed["Credentials"]).client("sts", config=ONCE).get_session_token()
)

# Refusals: a role the deployer's policy does not allow, a missing role, another account, too long a session.
findings["not_allowed"] = error_code(
    lambda: sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/admin", RoleSessionName="nope")
)
findings["unknown_role"] = error_code(
    lambda: sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/missing", RoleSessionName="nope")
)
findings["other_account"] = error_code(
    lambda: sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="nope")
)
findings["over_role_max"] = error_code(
    lambda: sts.assume_role(
        RoleArn="arn:aws:iam::000000000000:role/reader", RoleSessionName="long", DurationSeconds=7200
    )
)

# A profile with role_arn and source_profile: botocore calls AssumeRole itself.
profiled = boto3.session.Session(profile_name="assumer")
findings["profile_method"] = profiled.get_credentials().method
findings["profile_secret"] = read_secret(profiled)
print(json.dumps(findings))
