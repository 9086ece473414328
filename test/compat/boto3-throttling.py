# Unmodified boto3 against a Coffer rate-limit quota: a throttled call raises ClientError with AWS's throttling code
# (retries off), and with retries on botocore retries it as throttling. Prints one JSON object of findings last.
import json

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
ONCE = Config(retries={"total_max_attempts": 1, "mode": "standard"})
THRICE = Config(retries={"total_max_attempts": 3, "mode": "standard"})


def throttled(client, call):
    """Calls until one is refused (the quota allows a few); the refusal's code, status and retries."""
    for _ in range(10):
        try:
            call(client)
        except ClientError as error:
            return {
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                "retries": error.response["ResponseMetadata"].get("RetryAttempts", 0),
            }
    return None


sm = lambda config: boto3.client("secretsmanager", config=config)
findings["sm"] = throttled(sm(ONCE), lambda c: c.list_secrets())
findings["sm_retried"] = throttled(sm(THRICE), lambda c: c.list_secrets())
findings["ssm"] = throttled(boto3.client("ssm", config=ONCE), lambda c: c.describe_parameters())
findings["sts"] = throttled(boto3.client("sts", config=ONCE), lambda c: c.get_caller_identity())
print(json.dumps(findings))
