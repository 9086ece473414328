# Drives the transit engine on a running dev Coffer server with hvac's secrets.transit; prints one JSON line.
import base64
import os

import hvac
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from scenario_steps import expect_error, report, results, step

ADDR = os.environ["VAULT_ADDR"]
ROOT = os.environ["VAULT_TOKEN"]

client = hvac.Client(url=ADDR, token=ROOT)
transit = client.secrets.transit


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    return base64.b64decode(text).decode()


client.sys.enable_secrets_engine("transit")

# --- keys, encrypt, decrypt, rotate, rewrap ---------------------------------------------------------------
step("create", lambda: transit.create_key("orders")["data"]["name"])
step("read", lambda: {k: v for k, v in transit.read_key("orders")["data"].items() if k in ("type", "latest_version", "supports_encryption")})
ct1 = transit.encrypt_data("orders", b64("card 4111"))["data"]["ciphertext"]
results["ct1_prefix"] = ct1[:9]
step("decrypt", lambda: unb64(transit.decrypt_data("orders", ct1)["data"]["plaintext"]))
step("rotate", lambda: transit.rotate_key("orders")["data"]["latest_version"])
step("latest", lambda: transit.read_key("orders")["data"]["latest_version"])
step("rewrap", lambda: transit.rewrap_data("orders", ct1)["data"]["ciphertext"][:9])
step("decrypt_old", lambda: unb64(transit.decrypt_data("orders", ct1)["data"]["plaintext"]))
step("config", lambda: transit.update_key_configuration("orders", min_decryption_version=2)["data"]["min_decryption_version"])
step("decrypt_too_old", lambda: expect_error(lambda: transit.decrypt_data("orders", ct1)))
step("bad_ciphertext", lambda: expect_error(lambda: transit.decrypt_data("orders", "vault:v2:not-base64!")))
step("listed", lambda: transit.list_keys()["data"]["keys"])
step("delete_refused", lambda: expect_error(lambda: transit.delete_key("orders")))

# --- derived keys, batches, data keys --------------------------------------------------------------------
transit.create_key("per-user", derived=True)
ctx = b64("user-1")
dct = transit.encrypt_data("per-user", b64("mine"), context=ctx)["data"]["ciphertext"]
step("derived_decrypt", lambda: unb64(transit.decrypt_data("per-user", dct, context=ctx)["data"]["plaintext"]))
step("derived_wrong_ctx", lambda: expect_error(lambda: transit.decrypt_data("per-user", dct, context=b64("user-2"))))
batch = transit.encrypt_data("orders", "", batch_input=[{"plaintext": b64("a")}, {"plaintext": b64("b")}])["data"]["batch_results"]
step(
    "batch_decrypt",
    lambda: [unb64(r["plaintext"]) for r in transit.decrypt_data("orders", "", batch_input=[{"ciphertext": r["ciphertext"]} for r in batch])["data"]["batch_results"]],
)
dk = transit.generate_data_key("orders", "plaintext", bits=512)["data"]
step("datakey", lambda: [len(base64.b64decode(dk["plaintext"])), transit.decrypt_data("orders", dk["ciphertext"])["data"]["plaintext"] == dk["plaintext"]])
step("random", lambda: len(base64.b64decode(transit.generate_random_bytes(n_bytes=24)["data"]["random_bytes"])))
step("hash", lambda: transit.hash_data(b64("abc"), algorithm="sha2-256")["data"]["sum"])

# --- HMAC, signatures ------------------------------------------------------------------------------------
mac = transit.generate_hmac("orders", b64("msg"), algorithm="sha2-384")["data"]["hmac"]
step("hmac_verify", lambda: transit.verify_signed_data("orders", b64("msg"), hmac=mac, hash_algorithm="sha2-384")["data"]["valid"])
step("hmac_tampered", lambda: transit.verify_signed_data("orders", b64("msg2"), hmac=mac, hash_algorithm="sha2-384")["data"]["valid"])
signatures = {}
for key_type in ("ed25519", "ecdsa-p256", "rsa-2048"):
    transit.create_key("sig-" + key_type, key_type=key_type)
    sig = transit.sign_data("sig-" + key_type, b64("document"))["data"]["signature"]
    signatures[key_type] = [
        sig[:9],
        transit.verify_signed_data("sig-" + key_type, b64("document"), signature=sig)["data"]["valid"],
        transit.verify_signed_data("sig-" + key_type, b64("forged"), signature=sig)["data"]["valid"],
    ]
results["signatures"] = signatures
jws = transit.sign_data("sig-ecdsa-p256", b64("document"), marshaling_algorithm="jws")["data"]["signature"]
step("jws_verify", lambda: transit.verify_signed_data("sig-ecdsa-p256", b64("document"), signature=jws, marshaling_algorithm="jws")["data"]["valid"])
pk = transit.sign_data("sig-rsa-2048", b64("document"), hash_algorithm="sha2-512", signature_algorithm="pkcs1v15")["data"]["signature"]
step(
    "pkcs1_verify",
    lambda: transit.verify_signed_data("sig-rsa-2048", b64("document"), signature=pk, hash_algorithm="sha2-512", signature_algorithm="pkcs1v15")["data"]["valid"],
)
step("sign_with_aes", lambda: expect_error(lambda: transit.sign_data("orders", b64("x"))))
step("unknown_type", lambda: expect_error(lambda: client.write("transit/keys/odd", type="des")))

# --- key material crossing the boundary: export and BYOK import, checked with Python's cryptography -------
def aes_open(key, ciphertext):
    raw = base64.b64decode(ciphertext.split(":")[2])
    return AESGCM(key).decrypt(raw[:12], raw[12:], None).decode()


def aes_seal(key, plaintext):
    nonce = os.urandom(12)
    return "vault:v1:" + base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), None)).decode()


def exported_roundtrip():
    transit.create_key("shared", exportable=True)
    key = base64.b64decode(transit.export_key("shared", "encryption-key", version="latest")["data"]["keys"]["1"])
    sealed_here = transit.encrypt_data("shared", b64("from coffer"))["data"]["ciphertext"]
    opened_there = unb64(transit.decrypt_data("shared", aes_seal(key, "from python"))["data"]["plaintext"])
    return [aes_open(key, sealed_here), opened_there]


def byok_roundtrip():
    public = serialization.load_pem_public_key(client.read("transit/wrapping_key")["data"]["public_key"].encode())
    target, ephemeral = os.urandom(32), os.urandom(32)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    blob = public.encrypt(ephemeral, oaep) + aes_key_wrap_with_padding(ephemeral, target)
    client.write("transit/keys/byok/import", ciphertext=base64.b64encode(blob).decode(), type="aes256-gcm96")
    sealed_here = transit.encrypt_data("byok", b64("imported"))["data"]["ciphertext"]
    return [aes_open(target, sealed_here), transit.read_key("byok")["data"]["imported_key"]]


step("exported_roundtrip", exported_roundtrip)
step("byok_roundtrip", byok_roundtrip)

report()
