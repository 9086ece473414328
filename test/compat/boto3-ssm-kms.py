# SSM SecureString under a customer KMS key through unmodified boto3: a key made with the KMS API, a parameter under
# it, readers with and without kms:Decrypt, a writer without the key, an unknown key, a disabled key, a key pending
# deletion. Prints one JSON object of findings.
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
ssm = admin.client("ssm", config=ONCE)
reader = session("READER").client("ssm", config=ONCE)
decrypter = session("DECRYPTER").client("ssm", config=ONCE)
writer = session("WRITER").client("ssm", config=ONCE)

key = kms.create_key(Description="parameters key")["KeyMetadata"]
findings["key_id"] = key["KeyId"]
kms.create_alias(AliasName="alias/params", TargetKeyId=key["KeyId"])
ssm.put_parameter(Name="/team/db", Value="kms-param-value", Type="SecureString", KeyId="alias/params")
ssm.put_parameter(Name="/team/url", Value="https://db", Type="String")
findings["described_key"] = ssm.describe_parameters(
    ParameterFilters=[{"Key": "Name", "Values": ["/team/db"]}]
)["Parameters"][0]["KeyId"]
findings["admin_value"] = ssm.get_parameter(Name="/team/db", WithDecryption=True)["Parameter"]["Value"]

# A reader with the parameter's path but not kms:Decrypt on its key: refused on every read path with decryption.
findings["reader_get"] = error_of(lambda: reader.get_parameter(Name="/team/db", WithDecryption=True))
findings["reader_get_many"] = error_of(lambda: reader.get_parameters(Names=["/team/db"], WithDecryption=True))
findings["reader_by_path"] = error_of(lambda: reader.get_parameters_by_path(Path="/team", WithDecryption=True))
findings["reader_history"] = error_of(lambda: reader.get_parameter_history(Name="/team/db", WithDecryption=True))
masked = reader.get_parameter(Name="/team/db")["Parameter"]["Value"]
findings["reader_masked_differs"] = masked != "kms-param-value" and len(masked) > 0
findings["reader_by_path_plain"] = sorted(
    p["Name"] for p in reader.get_parameters_by_path(Path="/team")["Parameters"]
)

# With kms:Decrypt on the key, the value.
findings["decrypter_get"] = decrypter.get_parameter(Name="/team/db", WithDecryption=True)["Parameter"]["Value"]
findings["decrypter_by_path"] = {
    p["Name"]: p["Value"] for p in decrypter.get_parameters_by_path(Path="/team", WithDecryption=True)["Parameters"]
}

# A writer with the parameter's path but not the key: refused, and nothing is written.
findings["writer_put"] = error_of(
    lambda: writer.put_parameter(Name="/team/db", Value="from-writer", Type="SecureString", Overwrite=True)
)
findings["writer_new"] = error_of(
    lambda: writer.put_parameter(Name="/team/new", Value="v", Type="SecureString", KeyId=key["Arn"])
)
findings["writer_default_key"] = writer.put_parameter(Name="/team/plain", Value="v", Type="SecureString")["Version"]
findings["version_after_writer"] = ssm.get_parameter(Name="/team/db")["Parameter"]["Version"]
findings["unknown_key"] = error_of(
    lambda: ssm.put_parameter(Name="/team/x", Value="v", Type="SecureString", KeyId="alias/does-not-exist")
)[0]

# A disabled key: reads with decryption and writes fail as InvalidKeyId; enabled again, both work.
kms.disable_key(KeyId=key["KeyId"])
findings["disabled_get"] = error_of(lambda: ssm.get_parameter(Name="/team/db", WithDecryption=True))
findings["disabled_put"] = error_of(
    lambda: ssm.put_parameter(Name="/team/db", Value="x", Type="SecureString", Overwrite=True)
)[0]
findings["disabled_masked"] = ssm.get_parameter(Name="/team/db")["Parameter"]["Type"]
kms.enable_key(KeyId=key["KeyId"])
ssm.put_parameter(Name="/team/db", Value="second-value", Type="SecureString", Overwrite=True)
findings["enabled_again"] = ssm.get_parameter(Name="/team/db", WithDecryption=True)["Parameter"]["Value"]

# Pending deletion: the same; cancelled (which leaves the key disabled) and enabled, readable again.
kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
findings["pending_get"] = error_of(lambda: ssm.get_parameter(Name="/team/db:1", WithDecryption=True))[0]
kms.cancel_key_deletion(KeyId=key["KeyId"])
kms.enable_key(KeyId=key["KeyId"])
findings["restored_v1"] = ssm.get_parameter(Name="/team/db:1", WithDecryption=True)["Parameter"]["Value"]
print(json.dumps(findings))
