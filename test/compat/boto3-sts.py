# Unmodified boto3 code with STS web identity against Coffer: a pod's environment (role ARN, token file, endpoint)
# and no access keys. Prints one JSON object of findings on its last line; the test checks them.
import json
import os
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
ONCE = Config(retries={"max_attempts": 1, "mode": "standard"})


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


# The pod: boto3 finds AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, calls STS itself, then Secrets Manager.
pod = boto3.session.Session()
findings["credential_method"] = pod.get_credentials().method
secret = pod.client("secretsmanager", config=ONCE).get_secret_value(SecretId="prod/db/credentials")
findings["pod_secret"] = json.loads(secret["SecretString"])["username"]
findings["pod_identity"] = pod.client("sts", config=ONCE).get_caller_identity()["Arn"]
findings["pod_denied_write"] = error_code(
    lambda: pod.client("secretsmanager", config=ONCE).put_secret_value(
        SecretId="prod/db/credentials", SecretString="x"
    )
)

# The same call by hand, unsigned, and GetCallerIdentity with what it returns.
token = open(os.environ["AWS_WEB_IDENTITY_TOKEN_FILE"]).read()
anonymous = boto3.session.Session().client("sts", config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
assumed = anonymous.assume_role_with_web_identity(
    RoleArn=os.environ["AWS_ROLE_ARN"], RoleSessionName="by-hand", WebIdentityToken=token, DurationSeconds=1800
)
credentials = assumed["Credentials"]
findings["assumed_key_prefix"] = credentials["AccessKeyId"][:4]
findings["assumed_expiration_type"] = type(credentials["Expiration"]).__name__
findings["assumed_arn"] = assumed["AssumedRoleUser"]["Arn"]
findings["assumed_subject"] = assumed["SubjectFromWebIdentityToken"]
findings["assumed_audience"] = assumed.get("Audience")
session = boto3.session.Session(
    aws_access_key_id=credentials["AccessKeyId"],
    aws_secret_access_key=credentials["SecretAccessKey"],
    aws_session_token=credentials["SessionToken"],
)
identity = session.client("sts", config=ONCE).get_caller_identity()
findings["session_identity"] = {"Arn": identity["Arn"], "Account": identity["Account"], "UserId": identity["UserId"]}
tampered = boto3.session.Session(
    aws_access_key_id=credentials["AccessKeyId"],
    aws_secret_access_key=credentials["SecretAccessKey"],
    aws_session_token=credentials["SessionToken"][:-4] + "AAA=",
)
findings["tampered_token"] = error_code(lambda: tampered.client("sts", config=ONCE).get_caller_identity())
findings["tampered_token_sm"] = error_code(
    lambda: tampered.client("secretsmanager", config=ONCE).get_secret_value(SecretId="prod/db/credentials")
)
no_token = boto3.session.Session(
    aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"]
)
findings["missing_token"] = error_code(lambda: no_token.client("sts", config=ONCE).get_caller_identity())

# A long-term key's identity, and a wrong secret.
longterm = boto3.session.Session(
    aws_access_key_id=os.environ["LONG_KEY_ID"], aws_secret_access_key=os.environ["LONG_SECRET"]
)
identity = longterm.client("sts", config=ONCE).get_caller_identity()
findings["long_identity"] = {"Arn": identity["Arn"], "Account": identity["Account"], "UserId": identity["UserId"]}
forged = boto3.session.Session(
    aws_access_key_id=os.environ["LONG_KEY_ID"], aws_secret_access_key="wrong" * 8
)
findings["bad_signature"] = error_code(lambda: forged.client("sts", config=ONCE).get_caller_identity())


# Refusals of AssumeRoleWithWebIdentity.
def assume(role_arn=os.environ["AWS_ROLE_ARN"], jwt=token):
    return lambda: anonymous.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="refused", WebIdentityToken=jwt
    )


findings["forged_jwt"] = error_code(assume(jwt=token[:-6] + "AAAAAA"))
findings["garbage_jwt"] = error_code(assume(jwt="not-a-jwt"))
findings["expired_jwt"] = error_code(assume(jwt=os.environ["EXPIRED_JWT"]))
findings["wrong_audience_jwt"] = error_code(assume(jwt=os.environ["WRONG_AUDIENCE_JWT"]))
findings["unknown_role"] = error_code(assume(role_arn="arn:aws:iam::000000000000:role/nope"))
findings["other_account"] = error_code(assume(role_arn="arn:aws:iam::123456789012:role/ci"))
findings["untrusted_role"] = error_code(assume(role_arn="arn:aws:iam::000000000000:role/untrusted"))
findings["too_long"] = error_code(
    lambda: anonymous.assume_role_with_web_identity(
        RoleArn=os.environ["AWS_ROLE_ARN"], RoleSessionName="long", WebIdentityToken=token, DurationSeconds=43200
    )
)
print(json.dumps(findings))
