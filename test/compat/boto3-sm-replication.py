# boto3 replication across regions of one Coffer server: two clients differing only in region_name.
# Prints one JSON object of findings on its last line; the test checks them.
import json
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

config = Config(retries={"max_attempts": 1, "mode": "standard"})
primary = boto3.session.Session().client("secretsmanager", region_name="eu-west-1", config=config)
replica = boto3.session.Session().client("secretsmanager", region_name="us-east-2", config=config)
findings = {}


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


name = "repl/app"
created = primary.create_secret(Name=name, SecretString="v1")
findings["not_in_other_region"] = error_code(lambda: replica.get_secret_value(SecretId=name))
replicated = primary.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "us-east-2"}])
findings["arn_is_primary"] = replicated["ARN"] == created["ARN"]
findings["status"] = [(s["Region"], s["Status"]) for s in replicated["ReplicationStatus"]]
read = replica.get_secret_value(SecretId=name)
findings["replica_value"] = read["SecretString"]
findings["replica_arn"] = read["ARN"]
primary.put_secret_value(SecretId=name, SecretString="v2")
findings["replica_after_put"] = replica.get_secret_value(SecretId=name)["SecretString"]
findings["replica_put"] = error_code(lambda: replica.put_secret_value(SecretId=name, SecretString="x"))
described = replica.describe_secret(SecretId=name)
findings["replica_primary_region"] = described.get("PrimaryRegion")
findings["delete_with_replicas"] = error_code(
    lambda: primary.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
)
findings["promoted_arn"] = replica.stop_replication_to_replica(SecretId=name)["ARN"]
replica.put_secret_value(SecretId=name, SecretString="standalone")
findings["primary_after_promotion"] = primary.get_secret_value(SecretId=name)["SecretString"]
primary.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
findings["promoted_survives"] = replica.get_secret_value(SecretId=name)["SecretString"]
print(json.dumps(findings))
