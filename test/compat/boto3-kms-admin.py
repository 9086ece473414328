# KMS key administration through unmodified boto3, as the AWS CLI and Terraform's aws_kms_key call it: description,
# key policy, on-demand rotation and its history, and data key pairs (checked with the cryptography package).
# Prints one JSON object of findings.
import base64
import json
import os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

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
        return error.response["Error"]["Code"]
    return None


def public_of(private_der):
    private = serialization.load_der_private_key(private_der, password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


findings = {}
kms = session("ADMIN").client("kms", config=ONCE)
reader = session("READER").client("kms", config=ONCE)
wrapper = session("WRAPPER").client("kms", config=ONCE)

# Key policies are enforced: each document delegates to the account (its root), as AWS's default one does.
account = session("ADMIN").client("sts", config=ONCE).get_caller_identity()["Account"]
root = {"AWS": "arn:aws:iam::%s:root" % account}
policy = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "a", "Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*"}]})
key = kms.create_key(Description="first", Policy=policy)["KeyMetadata"]["KeyId"]
plain = kms.create_key()["KeyMetadata"]["KeyId"]
signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]

# Description.
kms.update_key_description(KeyId=key, Description="second")
findings["description"] = kms.describe_key(KeyId=key)["KeyMetadata"]["Description"]
findings["reader_description"] = error_of(lambda: reader.update_key_description(KeyId=key, Description="x"))

# Policy: CreateKey's, AWS's default for a key made without, PutKeyPolicy's, and the one name.
findings["created_policy"] = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"] == policy
default = json.loads(kms.get_key_policy(KeyId=plain)["Policy"])
findings["default_policy"] = [default["Id"], default["Statement"][0]["Action"]]
new_policy = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "a", "Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*"},
    {"Sid": "b", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::%s:user/nobody" % account},
     "Action": "kms:*", "Resource": "*"}]})
kms.put_key_policy(KeyId=plain, PolicyName="default", Policy=new_policy)
findings["put_policy"] = kms.get_key_policy(KeyId=plain)["Policy"] == new_policy
findings["policy_names"] = kms.list_key_policies(KeyId=plain)["PolicyNames"]
findings["malformed_policy"] = error_of(lambda: kms.put_key_policy(KeyId=plain, PolicyName="default", Policy="{"))
findings["other_name"] = error_of(lambda: kms.get_key_policy(KeyId=plain, PolicyName="other"))
findings["reader_get_policy"] = reader.get_key_policy(KeyId=plain)["PolicyName"]
findings["reader_put_policy"] = error_of(lambda: reader.put_key_policy(KeyId=plain, Policy=policy))

# Rotation on demand: the old ciphertext still decrypts; the history lists it; asymmetric keys do not rotate.
blob = kms.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
findings["rotate"] = kms.rotate_key_on_demand(KeyId=key)["KeyId"] == key
findings["old_blob"] = kms.decrypt(CiphertextBlob=blob)["Plaintext"].decode()
rotations = kms.list_key_rotations(KeyId=key)
findings["rotations"] = [[r["KeyId"], r["RotationType"], type(r["RotationDate"]).__name__] for r in rotations["Rotations"]]
findings["rotation_status"] = kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"]
findings["reader_rotate"] = error_of(lambda: reader.rotate_key_on_demand(KeyId=key))
findings["signer_rotate"] = error_of(lambda: kms.rotate_key_on_demand(KeyId=signer))

# Data key pairs: each spec's private key matches its public key, and decrypts from its blob under the context.
pairs = {}
for spec in ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"]:
    out = kms.generate_data_key_pair(KeyId=key, KeyPairSpec=spec, EncryptionContext={"use": spec})
    opened = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext={"use": spec})
    pairs[spec] = [
        out["KeyPairSpec"] == spec,
        public_of(out["PrivateKeyPlaintext"]) == out["PublicKey"],
        opened["Plaintext"] == out["PrivateKeyPlaintext"],
    ]
findings["pairs"] = pairs
wrapped = wrapper.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="ECC_NIST_P256")
opened = kms.decrypt(CiphertextBlob=wrapped["PrivateKeyCiphertextBlob"])["Plaintext"]
findings["wrapped"] = ["PrivateKeyPlaintext" in wrapped, public_of(opened) == wrapped["PublicKey"]]
findings["wrapper_plaintext"] = error_of(lambda: wrapper.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256"))
findings["pair_on_signer"] = error_of(lambda: kms.generate_data_key_pair(KeyId=signer, KeyPairSpec="RSA_2048"))
findings["bad_spec"] = error_of(lambda: kms.generate_data_key_pair(KeyId=key, KeyPairSpec="RSA_1024"))
kms.disable_key(KeyId=key)
findings["disabled_pair"] = error_of(lambda: kms.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256"))
findings["disabled_rotate"] = error_of(lambda: kms.rotate_key_on_demand(KeyId=key))
print(json.dumps(findings))
