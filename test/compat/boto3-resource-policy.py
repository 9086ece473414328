# A secret's resource policy through boto3: a Deny for one role's ARN stops that role and no other.
# Prints one JSON object of findings on its last line; the test checks them.
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


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


findings = {}
admin = session("ADMIN").client("secretsmanager", config=ONCE)
blocked = session("BLOCKED")
allowed = session("ALLOWED").client("secretsmanager", config=ONCE)

blocked_arn = blocked.client("sts", config=ONCE).get_caller_identity()["Arn"]
findings["blocked_arn"] = blocked_arn
admin.create_secret(Name="shared/api-key", SecretString="k-123")
blocked_sm = blocked.client("secretsmanager", config=ONCE)
findings["blocked_before"] = blocked_sm.get_secret_value(SecretId="shared/api-key")["SecretString"]

document = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoReadsForBlocked",
                "Effect": "Deny",
                "Principal": {"AWS": [blocked_arn]},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
)
findings["validated"] = admin.validate_resource_policy(ResourcePolicy=document)["PolicyValidationPassed"]
put = admin.put_resource_policy(SecretId="shared/api-key", ResourcePolicy=document, BlockPublicPolicy=True)
findings["put_name"] = put["Name"]
findings["get_policy_same"] = admin.get_resource_policy(SecretId="shared/api-key")["ResourcePolicy"] == document
findings["blocked_after"] = error_code(lambda: blocked_sm.get_secret_value(SecretId="shared/api-key"))
findings["allowed_after"] = allowed.get_secret_value(SecretId="shared/api-key")["SecretString"]
public = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}]}
)
findings["public_blocked"] = error_code(
    lambda: admin.put_resource_policy(SecretId="shared/api-key", ResourcePolicy=public, BlockPublicPolicy=True)
)
findings["malformed"] = error_code(
    lambda: admin.put_resource_policy(SecretId="shared/api-key", ResourcePolicy="{not json")
)
admin.delete_resource_policy(SecretId="shared/api-key")
findings["blocked_after_delete"] = blocked_sm.get_secret_value(SecretId="shared/api-key")["SecretString"]
print(json.dumps(findings))
