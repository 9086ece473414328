# Unmodified boto3 code against Coffer's SSM Parameter Store face: the user changes only the endpoint.
# Prints one JSON object of findings on its last line; the test checks them.
import json
import os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
config = Config(retries={"max_attempts": 1, "mode": "standard"})
ssm = boto3.session.Session().client("ssm", config=config)


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


ssm.put_parameter(Name="/prod/app/db", Value="s3cr3t", Type="SecureString", Description="db password")
ssm.put_parameter(Name="/prod/app/url", Value="https://db", Type="String", Tags=[{"Key": "team", "Value": "a"}])
ssm.put_parameter(Name="/prod/app/hosts", Value="a,b", Type="StringList")
ssm.put_parameter(Name="/prod/app/deep/flag", Value="on", Type="String")
ssm.put_parameter(Name="/prod/other", Value="x", Type="String")
findings["v2"] = ssm.put_parameter(Name="/prod/app/url", Value="https://db2", Overwrite=True)["Version"]

findings["decrypted"] = ssm.get_parameter(Name="/prod/app/db", WithDecryption=True)["Parameter"]["Value"]
masked = ssm.get_parameter(Name="/prod/app/db")["Parameter"]["Value"]
findings["masked_differs"] = masked != "s3cr3t" and len(masked) > 0
param = ssm.get_parameter(Name="/prod/app/url")["Parameter"]
findings["url"] = param["Value"]
findings["date_type"] = type(param["LastModifiedDate"]).__name__
findings["arn"] = param["ARN"]
findings["url_v1"] = ssm.get_parameter(Name="/prod/app/url:1")["Parameter"]["Value"]

got = ssm.get_parameters(Names=["/prod/app/url", "/missing"])
findings["get_parameters"] = [p["Name"] for p in got["Parameters"]]
findings["invalid"] = got["InvalidParameters"]

paginator = ssm.get_paginator("get_parameters_by_path")
names = []
for page in paginator.paginate(Path="/prod", Recursive=True, WithDecryption=True, PaginationConfig={"PageSize": 2}):
    names += [p["Name"] for p in page["Parameters"]]
findings["by_path"] = names
findings["one_level"] = [p["Name"] for p in ssm.get_parameters_by_path(Path="/prod/app")["Parameters"]]

ssm.label_parameter_version(Name="/prod/app/url", ParameterVersion=1, Labels=["stable"])
findings["by_label"] = ssm.get_parameter(Name="/prod/app/url:stable")["Parameter"]["Value"]
history = ssm.get_parameter_history(Name="/prod/app/url")["Parameters"]
findings["history"] = [[h["Version"], h["Labels"]] for h in history]
findings["unlabel"] = ssm.unlabel_parameter_version(Name="/prod/app/url", ParameterVersion=1, Labels=["stable", "nope"])["InvalidLabels"]

described = ssm.describe_parameters(ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])["Parameters"]
findings["described"] = [[d["Name"], d.get("KeyId")] for d in described]
ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/prod/app/url", Tags=[{"Key": "env", "Value": "prod"}])
findings["tags"] = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/prod/app/url")["TagList"]

findings["not_found"] = error_code(lambda: ssm.get_parameter(Name="/prod/nope"))
findings["exists"] = error_code(lambda: ssm.put_parameter(Name="/prod/other", Value="y", Type="String"))
findings["bad_version"] = error_code(lambda: ssm.get_parameter(Name="/prod/app/url:99"))
findings["validation"] = error_code(lambda: ssm.put_parameter(Name="bad/name", Value="y", Type="String"))
findings["pattern"] = error_code(lambda: ssm.put_parameter(Name="/p", Value="abc", Type="String", AllowedPattern="^\\d+$"))

sm = boto3.session.Session().client("secretsmanager", config=config)
sm.create_secret(Name="prod/ref", SecretString="from-sm")
ref = ssm.get_parameter(Name="/aws/reference/secretsmanager/prod/ref", WithDecryption=True)["Parameter"]
findings["reference"] = [ref["Value"], ref["Type"], json.loads(ref["SourceResult"])["Name"]]
# A reference read is a read of the secret: it gets a LastAccessedDate.
findings["reference_marks_accessed"] = "LastAccessedDate" in sm.describe_secret(SecretId="prod/ref")
findings["reference_needs_decryption"] = error_code(lambda: ssm.get_parameter(Name="/aws/reference/secretsmanager/prod/ref"))
# AWS names the reference parameter by its path, without the version or label selector, which Selector carries.
staged = ssm.get_parameter(Name="/aws/reference/secretsmanager/prod/ref:AWSCURRENT", WithDecryption=True)["Parameter"]
findings["reference_names"] = [ref["Name"], staged["Name"], staged.get("Selector")]
try:
    ssm.get_parameter(Name="/aws/reference/secretsmanager/prod/none", WithDecryption=True)
except ClientError as error:
    findings["reference_missing"] = [error.response["Error"]["Code"], error.response["Error"]["Message"]]

deleted = ssm.delete_parameters(Names=["/prod/other", "/gone"])
findings["deleted"] = [deleted["DeletedParameters"], deleted["InvalidParameters"]]
ssm.delete_parameter(Name="/prod/app/hosts")
findings["deleted_read"] = error_code(lambda: ssm.get_parameter(Name="/prod/app/hosts"))

reader = boto3.session.Session(
    aws_access_key_id=os.environ["READER_KEY_ID"], aws_secret_access_key=os.environ["READER_SECRET"]
).client("ssm", config=config)
findings["reader_get"] = reader.get_parameter(Name="/prod/app/db", WithDecryption=True)["Parameter"]["Value"]
findings["reader_denied_other"] = error_code(lambda: reader.get_parameter(Name="/prod/other-secret"))
findings["reader_denied_put"] = error_code(lambda: reader.put_parameter(Name="/prod/app/new", Value="x", Type="String"))
findings["reader_denied_batch"] = error_code(lambda: reader.get_parameters(Names=["/prod/app/db", "/prod/other-secret"]))
findings["reader_denied_reference"] = error_code(
    lambda: reader.get_parameter(Name="/aws/reference/secretsmanager/prod/ref", WithDecryption=True)
)

print(json.dumps(findings))
