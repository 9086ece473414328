# Unmodified boto3 code against Coffer's KMS face (transit keys): the user changes only the endpoint.
# Prints one JSON object of findings on its last line; the test checks them.
import base64
import hashlib
import json
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

findings = {}
config = Config(retries={"max_attempts": 1, "mode": "standard"})
kms = boto3.session.Session().client("kms", config=config)


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


key = kms.create_key(Description="boto3 key")["KeyMetadata"]
findings["key_id"] = key["KeyId"]
findings["arn"] = key["Arn"]
kms.create_alias(AliasName="alias/boto3", TargetKeyId=key["KeyId"])
sealed = kms.encrypt(KeyId="alias/boto3", Plaintext=b"boto3 data", EncryptionContext={"app": "b"})
findings["encrypt_key"] = sealed["KeyId"]
findings["decrypted"] = kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"app": "b"})[
    "Plaintext"
].decode()
findings["wrong_context"] = error_code(
    lambda: kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"app": "c"})
)
data_key = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
findings["data_key_bytes"] = len(data_key["Plaintext"])
findings["data_key_round_trip"] = (
    kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
)
findings["aliases"] = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
paginator = kms.get_paginator("list_keys")
findings["listed"] = key["KeyId"] in [k["KeyId"] for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for k in page["Keys"]]
findings["missing"] = error_code(lambda: kms.describe_key(KeyId="alias/none"))
findings["random_bytes"] = len(kms.generate_random(NumberOfBytes=20)["Plaintext"])
# MessageType DIGEST: a PKCS#1 v1.5 signature of the caller's digest verifies as the message's (DIGEST and RAW).
signer = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
digest = hashlib.sha256(b"boto3 signs a digest").digest()
signed = kms.sign(KeyId=signer, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
findings["digest_verified"] = kms.verify(
    KeyId=signer,
    Message=digest,
    MessageType="DIGEST",
    Signature=signed["Signature"],
    SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
)["SignatureValid"]
findings["raw_verified"] = kms.verify(
    KeyId=signer,
    Message=b"boto3 signs a digest",
    MessageType="RAW",
    Signature=signed["Signature"],
    SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
)["SignatureValid"]
# RSA-PSS and ECDSA over a digest: each verifies as the message's signature (RAW) and as the digest's.
ec_signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
for name, key_id, algorithm in [("pss", signer, "RSASSA_PSS_SHA_256"), ("ecdsa", ec_signer, "ECDSA_SHA_256")]:
    signature = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm)["Signature"]
    findings[f"digest_{name}"] = [
        kms.verify(
            KeyId=key_id, Message=message, MessageType=kind, Signature=signature, SigningAlgorithm=algorithm
        )["SignatureValid"]
        for message, kind in [(b"boto3 signs a digest", "RAW"), (digest, "DIGEST")]
    ]
    findings[f"digest_{name}_short"] = error_code(
        lambda: kms.sign(KeyId=key_id, Message=digest[1:], MessageType="DIGEST", SigningAlgorithm=algorithm)
    )
# The transit ciphertext inside the blob is printed for the test to decrypt through the Vault API.
findings["blob"] = base64.b64encode(kms.encrypt(KeyId=key["KeyId"], Plaintext=b"cross")["CiphertextBlob"]).decode()
print(json.dumps(findings))
