# boto3 calls whose CloudTrail-format audit records the test reads back: prints the request id of each call.
import json
import sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

secret_values = json.loads(sys.argv[1])
once = Config(retries={"max_attempts": 1, "mode": "standard"})
session = boto3.session.Session()
sm = session.client("secretsmanager", config=once)
ssm = session.client("ssm", config=once)
sts = session.client("sts", config=once)
ids = {}


def request_id(response):
    return response["ResponseMetadata"]["RequestId"]


ids["create"] = request_id(sm.create_secret(Name="trail/db", SecretString=secret_values[0]))
ids["put"] = request_id(
    sm.put_secret_value(
        SecretId="trail/db", SecretString=secret_values[1], ClientRequestToken="a1b2c3d4-0000-4000-8000-000000000001"
    )
)
got = sm.get_secret_value(SecretId="trail/db")
assert got["SecretString"] == secret_values[1]
ids["get"] = request_id(got)
ids["put_parameter"] = request_id(ssm.put_parameter(Name="/trail/key", Value=secret_values[2], Type="SecureString"))
parameter = ssm.get_parameter(Name="/trail/key", WithDecryption=True)
assert parameter["Parameter"]["Value"] == secret_values[2]
ids["get_parameter"] = request_id(parameter)
ids["caller"] = request_id(sts.get_caller_identity())
try:
    sm.get_secret_value(SecretId="trail/missing")
except ClientError as error:
    ids["missing"] = error.response["ResponseMetadata"]["RequestId"]
# The right key ID with a wrong secret: the signature is refused, and the refusal is the call's record.
forged = session.client(
    "secretsmanager",
    config=once,
    aws_access_key_id=session.get_credentials().access_key,
    aws_secret_access_key="wrong" + session.get_credentials().secret_key[5:],
)
try:
    forged.get_secret_value(SecretId="trail/db")
except ClientError as error:
    assert error.response["Error"]["Code"] == "InvalidSignatureException", error.response
    ids["forged"] = error.response["ResponseMetadata"]["RequestId"]
print(json.dumps(ids))
