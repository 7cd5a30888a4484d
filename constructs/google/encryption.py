"""The GKE cluster's customer-managed Cloud KMS key for envelope-encrypting Kubernetes secrets in etcd."""

from __future__ import annotations

from cdktf_cdktf_provider_google.kms_crypto_key import KmsCryptoKey
from cdktf_cdktf_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktf_cdktf_provider_google.kms_key_ring import KmsKeyRing
from cdktf_cdktf_provider_random.id import Id
from cdktf_cdktf_provider_time.sleep import Sleep

from constructs import Construct

ROTATION_PERIOD = "7776000s"  # 90 days: a new primary version encrypts new writes, old versions still decrypt
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# IAM grants reach every Google service within about a minute, rarely longer (IAM "access change propagation");
# GKE checks its agent's use of the key when it creates the cluster, so the cluster waits this long after it.
GRANT_PROPAGATION = "90s"


def gke_service_agent(project_number: str) -> str:
    # GKE's own service agent, not the node account, calls KMS for the control plane's etcd.
    return f"serviceAccount:service-{project_number}@container-engine-robot.iam.gserviceaccount.com"


class GkeSecretsKey(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, cluster_name: str, region: str, project_number: str
    ) -> None:
        super().__init__(scope, construct_id)
        # Key rings and keys cannot be deleted in GCP (destroy only schedules the key's versions for destruction),
        # so a fixed name makes the next creation fail with 409. The random suffix lives in state: stable across
        # plans, new after a destroy. The key's full name includes the ring's, so it is unique per creation too.
        suffix = Id(self, "name-suffix", byte_length=3)
        self.key_ring = KmsKeyRing(self, "key-ring", name=f"{cluster_name}-gke-{suffix.hex}", location=region)
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
        # The cluster depends on this, not on the grant: the grant exists before GKE can see it.
        self.ready = Sleep(
            self, "grant-propagation", create_duration=GRANT_PROPAGATION, depends_on=[self.service_agent_binding]
        )
