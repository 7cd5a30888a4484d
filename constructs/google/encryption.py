"""The GKE cluster's customer-managed Cloud KMS key for envelope-encrypting Kubernetes secrets in etcd."""

from __future__ import annotations

from cdktf_cdktf_provider_google.kms_crypto_key import KmsCryptoKey
from cdktf_cdktf_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktf_cdktf_provider_google.kms_key_ring import KmsKeyRing

from constructs import Construct

ROTATION_PERIOD = "7776000s"  # 90 days: a new primary version encrypts new writes, old versions still decrypt
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def gke_service_agent(project_number: str) -> str:
    # GKE's own service agent, not the node account, calls KMS for the control plane's etcd.
    return f"serviceAccount:service-{project_number}@container-engine-robot.iam.gserviceaccount.com"


class GkeSecretsKey(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, cluster_name: str, region: str, project_number: str
    ) -> None:
        super().__init__(scope, construct_id)
        # KMS key rings cannot be deleted in GCP (destroy only destroys the key's versions): the name is per cluster.
        self.key_ring = KmsKeyRing(self, "key-ring", name=f"{cluster_name}-gke", location=region)
        self.key = KmsCryptoKey(
            self,
            "key",
            name=f"{cluster_name}-secrets",
            key_ring=self.key_ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=ROTATION_PERIOD,
        )
        self.service_agent_binding = KmsCryptoKeyIamMember(
            self,
            "gke-service-agent",
            crypto_key_id=self.key.id,
            role=ENCRYPTER_DECRYPTER,
            member=gke_service_agent(project_number),
        )
