# Every answer Coffer gives boto3, checked against botocore's own service models (the JSON AWS publishes for its
# SDKs): a success's members declared, required ones present, each of the JSON type the protocol carries it as
# (timestamps as epoch numbers, blobs as base64), enum values from the enum; an error's __type declared by the
# operation (or common to AWS's JSON services), with its status and a message. Then each paginator, page by page.
# Prints one JSON object of findings on its last line.
import base64
import json
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

# Common to AWS's JSON services, or Coffer's answer to a malformed body; any operation may answer them.
COMMON_ERRORS = {
    "AccessDeniedException",
    "ValidationException",
    "SerializationException",
    "ThrottlingException",
    "UnrecognizedClientException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "UnknownOperationException",
}
# AWS documents DryRunOperationException as HTTP 412; the model gives it no status.
STATUS_OVERRIDES = {"DryRunOperationException": 412}

problems = []
extra = set()
operations = set()
config = Config(retries={"total_max_attempts": 1})


def check(shape, value, where):
    kind = shape.type_name
    if value is None:
        problems.append(f"{where}: null instead of an absent member")
    elif kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: {type(value).__name__} for a structure")
            return
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{where}.{name}: required member missing")
        for name, member in value.items():
            if name in shape.members:
                check(shape.members[name], member, f"{where}.{name}")
            else:
                extra.add(f"{shape.name}.{name}")
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: {type(value).__name__} for a list")
            return
        for i, item in enumerate(value):
            check(shape.member, item, f"{where}[{i}]")
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{where}: {type(value).__name__} for a map")
            return
        for key, item in value.items():
            check(shape.key, key, f"{where}<key>")
            check(shape.value, item, f"{where}[{key}]")
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: {type(value).__name__} for a string")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not in the enum")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: {type(value).__name__} for an {kind}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: {type(value).__name__} for a boolean")
    elif kind in ("timestamp", "double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{where}: {type(value).__name__} for a {kind} (an epoch number in JSON)")
    elif kind == "blob":
        try:
            base64.b64decode(value, validate=True)
        except Exception:
            problems.append(f"{where}: not base64")


def on_answer(http_response, model, **_):
    operations.add(f"{model.service_model.service_name}:{model.name}")
    status = http_response.status_code
    body = json.loads(http_response.content or b"{}")
    if status == 200:
        if model.output_shape is not None:
            check(model.output_shape, body, model.name)
        return
    kind = str(body.get("__type", "")).split("#")[-1]
    declared = {shape.name: shape for shape in model.error_shapes}
    if "message" not in body and "Message" not in body:
        problems.append(f"{model.name}: {kind} without a message")
    if kind in declared:
        expected = STATUS_OVERRIDES.get(kind, declared[kind].metadata.get("error", {}).get("httpStatusCode", 400))
        if status != expected:
            problems.append(f"{model.name}: {kind} answered {status}, AWS answers {expected}")
    elif kind not in COMMON_ERRORS:
        problems.append(f"{model.name}: {kind} ({status}) is not an error of the operation")
    if status >= 500:
        problems.append(f"{model.name}: {status} {kind}")


def client(service, region=None):
    made = boto3.client(service, config=config, **({"region_name": region} if region else {}))
    made.meta.events.register("after-call", on_answer)
    return made


def attempt(call):
    """Runs a call expected to fail; the hook has checked its error. Success of an invalid call is a problem."""
    try:
        call()
    except ClientError:
        return
    problems.append("an invalid call succeeded")


sm, ssm, kms = client("secretsmanager"), client("ssm"), client("kms")
run = uuid.uuid4().hex[:8]

# Secrets Manager: every operation, in the states that add members (rotation, replication, deletion, policy).
name = f"conformance/{run}/a"
sm.create_secret(Name=name, SecretString="v1", Description="d", Tags=[{"Key": "k", "Value": "v"}])
sm.create_secret(Name=f"conformance/{run}/bin", SecretBinary=b"\x00\x01")
sm.get_secret_value(SecretId=f"conformance/{run}/bin")
sm.put_secret_value(SecretId=name, SecretString="v2")
sm.update_secret(SecretId=name, Description="d2")
sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
current = [v["VersionId"] for v in sm.list_secret_version_ids(SecretId=name)["Versions"] if "AWSCURRENT" in v["VersionStages"]]
sm.update_secret_version_stage(SecretId=name, VersionStage="label", MoveToVersionId=current[0])
sm.batch_get_secret_value(SecretIdList=[name, f"conformance/{run}/missing"])
sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [f"conformance/{run}/"]}], MaxResults=1)
sm.tag_resource(SecretId=name, Tags=[{"Key": "k2", "Value": "v2"}])
sm.untag_resource(SecretId=name, TagKeys=["k2"])
sm.get_random_password(PasswordLength=24)
policy = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
    }
)
sm.validate_resource_policy(SecretId=name, ResourcePolicy=policy)
sm.put_resource_policy(SecretId=name, ResourcePolicy=policy)
sm.get_resource_policy(SecretId=name)
sm.delete_resource_policy(SecretId=name)
sm.rotate_secret(SecretId=name, RotationLambdaARN="coffer-random-password", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
sm.cancel_rotate_secret(SecretId=name)
sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "eu-central-1"}])
sm.describe_secret(SecretId=name)
client("secretsmanager", "eu-central-1").describe_secret(SecretId=name)
sm.remove_regions_from_replication(SecretId=name, RemoveReplicaRegions=["eu-central-1"])
sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "eu-north-1"}])
client("secretsmanager", "eu-north-1").stop_replication_to_replica(SecretId=name)
sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
sm.describe_secret(SecretId=name)
sm.list_secrets(IncludePlannedDeletion=True, Filters=[{"Key": "name", "Values": [f"conformance/{run}/"]}])
sm.restore_secret(SecretId=name)
sm.delete_secret(SecretId=f"conformance/{run}/bin", ForceDeleteWithoutRecovery=True)
attempt(lambda: sm.get_secret_value(SecretId=f"conformance/{run}/missing"))
attempt(lambda: sm.create_secret(Name=name, SecretString="x"))
attempt(lambda: sm.list_secrets(NextToken="not-a-token"))
attempt(lambda: sm.delete_secret(SecretId=name, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True))

# SSM Parameter Store.
path = f"/conformance/{run}"
ssm.put_parameter(Name=f"{path}/a", Value="v1", Type="String", Description="d", Tags=[{"Key": "t", "Value": "v"}])
ssm.put_parameter(Name=f"{path}/a", Value="v2", Overwrite=True)
ssm.put_parameter(Name=f"{path}/s", Value="secret", Type="SecureString")
ssm.put_parameter(Name=f"{path}/l", Value="a,b", Type="StringList", Tier="Advanced")
ssm.get_parameter(Name=f"{path}/s", WithDecryption=True)
ssm.get_parameters(Names=[f"{path}/a", f"{path}/a:1", f"{path}/missing"], WithDecryption=True)
ssm.label_parameter_version(Name=f"{path}/a", ParameterVersion=1, Labels=["old", "1bad"])
ssm.get_parameter_history(Name=f"{path}/a")
ssm.unlabel_parameter_version(Name=f"{path}/a", ParameterVersion=1, Labels=["old"])
ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=f"{path}/a", Tags=[{"Key": "x", "Value": "y"}])
ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{path}/a")
ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=f"{path}/a", TagKeys=["x"])
ssm.get_parameter(Name=f"/aws/reference/secretsmanager/{name}", WithDecryption=True)
ssm.delete_parameters(Names=[f"{path}/l", f"{path}/missing"])
ssm.delete_parameter(Name=f"{path}/s")
attempt(lambda: ssm.get_parameter(Name=f"{path}/missing"))
attempt(lambda: ssm.put_parameter(Name=f"{path}/a", Value="v", Type="String"))
attempt(lambda: ssm.get_parameters_by_path(Path=path, NextToken="not-a-token"))
attempt(lambda: ssm.label_parameter_version(Name=f"{path}/a", ParameterVersion=9, Labels=["x"]))

# KMS: every operation, on symmetric, RSA, ECC and HMAC keys.
key = kms.create_key(Description="conformance", Tags=[{"TagKey": "a", "TagValue": "b"}])["KeyMetadata"]["KeyId"]
other = kms.create_key()["KeyMetadata"]["KeyId"]
signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
for each in (key, signer, rsa, mac_key):
    kms.describe_key(KeyId=each)
blob = kms.encrypt(KeyId=key, Plaintext=b"data", EncryptionContext={"a": "b"})["CiphertextBlob"]
kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})
kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "b"}, DestinationKeyId=other)
kms.generate_data_key(KeyId=key, KeySpec="AES_256")
kms.generate_data_key_without_plaintext(KeyId=key, NumberOfBytes=16)
kms.generate_random(NumberOfBytes=16)
kms.create_alias(AliasName=f"alias/conformance-{run}", TargetKeyId=key)
kms.update_alias(AliasName=f"alias/conformance-{run}", TargetKeyId=other)
kms.delete_alias(AliasName=f"alias/conformance-{run}")
kms.disable_key(KeyId=other)
attempt(lambda: kms.encrypt(KeyId=other, Plaintext=b"x"))
kms.enable_key(KeyId=other)
kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
kms.get_key_rotation_status(KeyId=key)
kms.disable_key_rotation(KeyId=key)
kms.tag_resource(KeyId=key, Tags=[{"TagKey": "c", "TagValue": "d"}])
kms.untag_resource(KeyId=key, TagKeys=["c"])
signature = kms.sign(KeyId=signer, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
kms.verify(KeyId=signer, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")
kms.get_public_key(KeyId=signer)
kms.get_public_key(KeyId=rsa)
mac = kms.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
kms.verify_mac(KeyId=mac_key, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")
kms.update_key_description(KeyId=key, Description="conformance, updated")
policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
# The key's own (default) policy put back: it delegates to the account, so the calls below stay allowed.
kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy)
kms.list_key_policies(KeyId=key)
kms.rotate_key_on_demand(KeyId=key)
kms.list_key_rotations(KeyId=key)
kms.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256")
kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="RSA_2048")
kms.schedule_key_deletion(KeyId=other, PendingWindowInDays=7)
kms.describe_key(KeyId=other)
kms.cancel_key_deletion(KeyId=other)
attempt(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"}, DryRun=True))
attempt(lambda: kms.verify(KeyId=signer, Message=b"n", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"))
attempt(lambda: kms.verify_mac(KeyId=mac_key, Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_256"))
attempt(lambda: kms.decrypt(CiphertextBlob=b"not a ciphertext blob of this server"))
attempt(lambda: kms.list_keys(Marker="not-a-marker"))
attempt(lambda: kms.create_key(Origin="EXTERNAL"))

# Paginators: more items than a page, each item exactly once, the token handed back as given.
for i in range(7):
    sm.create_secret(Name=f"conformance/{run}/page/{i}", SecretString="x")
    ssm.put_parameter(Name=f"{path}/page/p{i}", Value="x", Type="String")
    ssm.put_parameter(Name=f"{path}/a", Value=f"v{i + 3}", Overwrite=True)
    kms.create_alias(AliasName=f"alias/conformance-{run}-{i}", TargetKeyId=key)
kms.tag_resource(KeyId=key, Tags=[{"TagKey": f"t{i}", "TagValue": "v"} for i in range(7)])
pages = {}
for label, made, operation, items, ident, args in [
    ("ListSecrets", sm, "list_secrets", "SecretList", "Name", {"Filters": [{"Key": "name", "Values": [f"conformance/{run}/page/"]}]}),
    ("GetParametersByPath", ssm, "get_parameters_by_path", "Parameters", "Name", {"Path": f"{path}/page"}),
    ("DescribeParameters", ssm, "describe_parameters", "Parameters", "Name", {"ParameterFilters": [{"Key": "Path", "Values": [f"{path}/page"]}]}),
    ("GetParameterHistory", ssm, "get_parameter_history", "Parameters", "Version", {"Name": f"{path}/a"}),
    ("ListKeys", kms, "list_keys", "Keys", "KeyId", {}),
    ("ListAliases", kms, "list_aliases", "Aliases", "AliasName", {"KeyId": key}),
    ("ListResourceTags", kms, "list_resource_tags", "Tags", "TagKey", {"KeyId": key}),
]:
    seen, count = [], 0
    for page in made.get_paginator(operation).paginate(**args, PaginationConfig={"PageSize": 2}):
        count += 1
        seen += [item[ident] for item in page[items]]
    pages[label] = {"items": len(seen), "distinct": len(set(seen)), "pages": count}

print(json.dumps({"problems": problems, "extra": sorted(extra), "operations": sorted(operations), "pages": pages}))
