# Secrets Manager with a customer KMS key through unmodified boto3: a key made with the KMS API, a secret under it,
# a reader without kms:Decrypt, a disabled key, a retried put, a key change. Prints one JSON object of findings.
import json
import os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ONCE = Config(retries={"max_attempts": 1, "mode": "standard"})


def session(prefix):
    return boto3.session.Session(
        aws_access_key_id=os.environ[prefix + "_KEY_ID"],
        aws_secret_access_key=os.environ[prefix + "_SECRET"],
    )


def error_of(call):
    try:
        call()
    except ClientError as error:
        return [error.response["Error"]["Code"], error.response["Error"]["Message"]]
    return None


findings = {}
admin = session("ADMIN")
kms = admin.client("kms", config=ONCE)
sm = admin.client("secretsmanager", config=ONCE)
reader = session("READER").client("secretsmanager", config=ONCE)
decrypter = session("DECRYPTER").client("secretsmanager", config=ONCE)
ssm = session("DECRYPTER").client("ssm", config=ONCE)

key = kms.create_key(Description="secrets key")["KeyMetadata"]
findings["key_arn"] = key["Arn"]
kms.create_alias(AliasName="alias/secrets", TargetKeyId=key["KeyId"])
created = sm.create_secret(Name="app/db", SecretString="boto3-kms-value", KmsKeyId="alias/secrets")
findings["arn"] = created["ARN"]
findings["described_key"] = sm.describe_secret(SecretId="app/db")["KmsKeyId"]
findings["admin_value"] = sm.get_secret_value(SecretId="app/db")["SecretString"]
versions = sm.list_secret_version_ids(SecretId="app/db")["Versions"]
findings["version_keys"] = versions[0]["KmsKeyIds"]

# SM read without kms:Decrypt on the key; with it (a second role), the value; also through SSM's reference.
findings["reader_error"] = error_of(lambda: reader.get_secret_value(SecretId="app/db"))
findings["reader_batch"] = reader.batch_get_secret_value(SecretIdList=["app/db"])["Errors"][0]["ErrorCode"]
findings["decrypter_value"] = decrypter.get_secret_value(SecretId="app/db")["SecretString"]
findings["ssm_reference"] = ssm.get_parameter(Name="/aws/reference/secretsmanager/app/db", WithDecryption=True)[
    "Parameter"
]["Value"]

# A retried PutSecretValue with the same token: the same answer; another value under that token is refused.
token = "boto3-kms-token-0000000000000000001"
first = sm.put_secret_value(SecretId="app/db", SecretString="second", ClientRequestToken=token)
again = sm.put_secret_value(SecretId="app/db", SecretString="second", ClientRequestToken=token)
findings["retry_same"] = first["VersionId"] == again["VersionId"] == token
findings["retry_other"] = error_of(
    lambda: sm.put_secret_value(SecretId="app/db", SecretString="third", ClientRequestToken=token)
)[0]

# A disabled key: reads and writes fail; enabled again, they work.
kms.disable_key(KeyId=key["KeyId"])
findings["disabled_read"] = error_of(lambda: sm.get_secret_value(SecretId="app/db"))
findings["disabled_write"] = error_of(lambda: sm.put_secret_value(SecretId="app/db", SecretString="x"))[0]
kms.enable_key(KeyId=key["KeyId"])
findings["enabled_again"] = sm.get_secret_value(SecretId="app/db")["SecretString"]

# Another key: AWSCURRENT becomes readable under it too; new versions use it.
other = kms.create_key(Description="next key")["KeyMetadata"]
sm.update_secret(SecretId="app/db", KmsKeyId=other["Arn"])
findings["current_keys"] = [
    v["KmsKeyIds"]
    for v in sm.list_secret_version_ids(SecretId="app/db")["Versions"]
    if "AWSCURRENT" in v.get("VersionStages", [])
][0]
findings["other_arn"] = other["Arn"]
findings["unknown_key"] = error_of(
    lambda: sm.create_secret(Name="app/none", SecretString="v", KmsKeyId="alias/does-not-exist")
)[0]
print(json.dumps(findings))
