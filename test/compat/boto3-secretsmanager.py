# Unmodified boto3 code against Coffer's Secrets Manager face: the user changes only the endpoint.
# Prints one JSON object of findings on its last line; the test checks them.
import datetime
import json
import os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
client = boto3.session.Session().client(
    "secretsmanager", config=Config(retries={"max_attempts": 1, "mode": "standard"})
)


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def error_of(call):
    try:
        call()
    except ClientError as error:
        return [error.response["Error"]["Code"], error.response["Error"]["Message"]]
    return None


# The get_secret function of AWS's own sample, unchanged.
def get_secret(secret_name):
    response = client.get_secret_value(SecretId=secret_name)
    return json.loads(response["SecretString"])


created = client.create_secret(
    Name="prod/db/credentials",
    SecretString=json.dumps({"username": "app", "password": "s3cr3t-value"}),
    Description="database login",
    Tags=[{"Key": "team", "Value": "payments"}],
)
findings["create_arn"] = created["ARN"]
findings["create_version"] = created["VersionId"]
findings["never_read_has_no_last_accessed"] = "LastAccessedDate" not in client.describe_secret(
    SecretId="prod/db/credentials"
)
# LastAccessedDate is the UTC midnight of the day of the read (either side of a midnight crossed meanwhile).
days_of_read = {datetime.datetime.now(datetime.timezone.utc).date()}
findings["get_secret"] = get_secret("prod/db/credentials")
findings["get_by_arn"] = json.loads(client.get_secret_value(SecretId=created["ARN"])["SecretString"])["username"]

put = client.put_secret_value(SecretId="prod/db/credentials", SecretString=json.dumps({"username": "app2"}))
previous = client.get_secret_value(SecretId="prod/db/credentials", VersionStage="AWSPREVIOUS")
findings["previous_version_is_first"] = previous["VersionId"] == created["VersionId"]
findings["current_after_put"] = get_secret("prod/db/credentials")["username"]
described = client.describe_secret(SecretId="prod/db/credentials")
findings["describe_tags"] = described["Tags"]
findings["describe_created_is_datetime"] = type(described["CreatedDate"]).__name__
days_of_read.add(datetime.datetime.now(datetime.timezone.utc).date())
accessed = described["LastAccessedDate"]
findings["last_accessed_is_midnight_utc_of_read_day"] = (
    isinstance(accessed, datetime.datetime)
    and accessed.utcoffset() == datetime.timedelta(0)
    and accessed.timetz().replace(tzinfo=None) == datetime.time(0, 0)
    and accessed.date() in days_of_read
)
findings["stages"] = sorted(s for stages in described["VersionIdsToStages"].values() for s in stages)
client.create_secret(Name="prod/other", SecretBinary=b"\x00\x01binary")
findings["binary"] = client.get_secret_value(SecretId="prod/other")["SecretBinary"].hex()
listed = client.list_secrets(Filters=[{"Key": "name", "Values": ["prod/"]}])
findings["listed"] = sorted(s["Name"] for s in listed["SecretList"])
batch = client.batch_get_secret_value(SecretIdList=["prod/db/credentials", "prod/missing"])
findings["batch_values"] = [v["Name"] for v in batch["SecretValues"]]
findings["batch_errors"] = [e["ErrorCode"] for e in batch["Errors"]]
findings["random_password_length"] = len(client.get_random_password(PasswordLength=24)["RandomPassword"])

findings["not_found"] = error_code(lambda: client.get_secret_value(SecretId="nope"))
findings["exists"] = error_of(lambda: client.create_secret(Name="prod/other", SecretString="x"))
token = "0123456789abcdef0123456789abcdef"
first = client.put_secret_value(SecretId="prod/other", SecretString="one", ClientRequestToken=token)
findings["token_retry_same_version"] = (
    client.put_secret_value(SecretId="prod/other", SecretString="one", ClientRequestToken=token)["VersionId"]
    == first["VersionId"]
)
findings["token_reused"] = error_of(
    lambda: client.put_secret_value(SecretId="prod/other", SecretString="two", ClientRequestToken=token)
)
findings["token_reused_arn"] = first["ARN"]
findings["put_without_value"] = error_of(lambda: client.put_secret_value(SecretId="prod/other"))
# Members without a value are left out: a bare secret has no labels, tags or rotation flag yet.
client.create_secret(Name="bare")
findings["bare_members"] = sorted(k for k in client.describe_secret(SecretId="bare") if k != "ResponseMetadata")
client.tag_resource(SecretId="bare", Tags=[{"Key": "k", "Value": "v"}])
client.untag_resource(SecretId="bare", TagKeys=["k"])
findings["untagged_tags"] = client.describe_secret(SecretId="bare").get("Tags")
findings["search_words"] = sorted(
    s["Name"] for s in client.list_secrets(Filters=[{"Key": "all", "Values": ["Cred DB"]}])["SecretList"]
)
findings["invalid_parameter"] = error_code(
    lambda: client.delete_secret(SecretId="prod/other", RecoveryWindowInDays=3)
)
deleted = client.delete_secret(SecretId="prod/other", RecoveryWindowInDays=7)
findings["deletion_date_set"] = "DeletionDate" in deleted
findings["deleted_read"] = error_code(lambda: client.get_secret_value(SecretId="prod/other"))
client.restore_secret(SecretId="prod/other")
findings["restored"] = client.get_secret_value(SecretId="prod/other")["Name"]

# A key whose role may only read prod/db/*: writes and other secrets are refused with AccessDeniedException.
reader = boto3.session.Session(
    aws_access_key_id=os.environ["READER_KEY_ID"], aws_secret_access_key=os.environ["READER_SECRET"]
).client("secretsmanager", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
findings["reader_get"] = json.loads(reader.get_secret_value(SecretId="prod/db/credentials")["SecretString"])["username"]
findings["reader_denied_other"] = error_code(lambda: reader.get_secret_value(SecretId="prod/other"))
findings["reader_denied_write"] = error_code(
    lambda: reader.put_secret_value(SecretId="prod/db/credentials", SecretString="x")
)

# A wrong secret key, and an unknown key ID.
forged = boto3.session.Session(
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong" * 8
).client("secretsmanager", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
findings["bad_signature"] = error_code(lambda: forged.get_secret_value(SecretId="prod/db/credentials"))
unknown = boto3.session.Session(
    aws_access_key_id="CKIAAAAAAAAAAAAAAAAA", aws_secret_access_key="x" * 40
).client("secretsmanager", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
findings["unknown_key"] = error_code(lambda: unknown.get_secret_value(SecretId="prod/db/credentials"))
print(json.dumps(findings))
