"""Bad environment files: each is refused with one line naming the file, the field and what is wrong.

Every case is checked against the loader; a representative subset also runs main.py, which must exit 2 with
that one line on stderr, no traceback, and without touching the output folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from validation.loader import MAX_FILE_BYTES, ConfigError, load_environment_file

NATIVE = "name: dev\ncloud: aws\n"
VLLM = NATIVE + "gpu: {enabled: true}\napps:\n  vllm:\n    enabled: true\n"
MONITORED = NATIVE + "gpu: {enabled: true}\napps:\n  monitoring: {enabled: true}\n  vllm:\n    enabled: true\n"
# Shaped like a Hugging Face token, built here so no token-shaped literal sits in the repository.
HF_TOKEN_LOOKALIKE = "hf_" + "EXAMPLE0" * 5


def served(*models: str, vllm: str = "", before: str = VLLM) -> str:
    """`before`, then `apps.vllm` fields (`vllm`) and one flow-style model mapping per argument."""
    return before + vllm + "    models:\n" + "".join(f"      - {{{model}}}\n" for model in models)


ESO = "apps:\n  externalSecrets: "  # followed by a flow mapping
HF = "{fromSecret: hf-token, toSecret: hf-token, toNamespace: vllm}"


def cluster(parameters: str = "", *, labels: str = "provider: aws\ncluster: eks\n", name: str = "a-team") -> str:
    """A dot-kubernetes `Cluster` manifest with the given matchLabels and spec.parameters (unindented YAML)."""
    text = textwrap.dedent(
        f"""\
        apiVersion: devopstoolkit.ai/v2
        kind: Cluster
        metadata:
          name: {name}
        spec:
          crossplane:
            compositionSelector:
              matchLabels:
        """
    ) + textwrap.indent(labels, " " * 8)
    if parameters:
        text += "  parameters:\n" + textwrap.indent(parameters, " " * 4)
    return text


@dataclass(frozen=True)
class Case:
    id: str
    content: str | bytes | None  # None: the file does not exist
    field: str  # the text between the file path and the problem; "" for problems with the whole file
    problem: str  # a fragment of the problem text
    in_main: bool = False  # also run main.py on it


CASES = [
    # --- enums
    Case("node-size-not-in-catalogue", NATIVE + "nodeSize: huge\n", "nodeSize", "'small', 'medium' or 'large'", True),
    Case("gpu-node-size-not-in-catalogue", NATIVE + "gpu: {nodeSize: huge}\n", "gpu.nodeSize", "(got 'huge')"),
    Case("wrong-cloud", "name: dev\ncloud: gcp\n", "cloud", "'aws', 'google' or 'azure' (got 'gcp')", True),
    Case("cloud-in-capitals", "name: dev\ncloud: AWS\n", "cloud", "(got 'AWS')"),
    # --- counts
    Case("negative-min-node-count", NATIVE + "minNodeCount: -1\n", "minNodeCount", "greater than or equal to 1", True),
    Case("zero-min-node-count", NATIVE + "minNodeCount: 0\n", "minNodeCount", "(got 0)"),
    Case("negative-gpu-min-node-count", NATIVE + "gpu: {minNodeCount: -2}\n", "gpu.minNodeCount", "(got -2)"),
    Case("zero-max-node-count", NATIVE + "maxNodeCount: 0\n", "maxNodeCount", "greater than or equal to 1 (got 0)"),
    Case("zero-gpu-max-node-count", NATIVE + "gpu: {maxNodeCount: 0}\n", "gpu.maxNodeCount", "(got 0)"),
    Case("max-node-count-too-big", NATIVE + "maxNodeCount: 1001\n", "maxNodeCount", "less than or equal to 1000"),
    Case(
        "min-above-max",
        NATIVE + "minNodeCount: 5\nmaxNodeCount: 2\n",
        "maxNodeCount",
        "minNodeCount (5) is greater than maxNodeCount (2)",
        True,
    ),
    Case(
        "gpu-min-above-max",
        NATIVE + "gpu: {minNodeCount: 4, maxNodeCount: 3}\n",
        "gpu.maxNodeCount",
        "minNodeCount (4) is greater than maxNodeCount (3)",
    ),
    Case(
        "gpu-min-above-default-max",
        NATIVE + "gpu: {minNodeCount: 20}\n",
        "gpu.maxNodeCount",
        "minNodeCount (20) is greater than maxNodeCount (10)",
    ),
    Case("count-as-quoted-text", NATIVE + 'minNodeCount: "3"\n', "minNodeCount", "valid integer (got '3')"),
    # --- name
    Case("name-in-capitals", "name: Dev\ncloud: aws\n", "name", "lowercase letters, digits and hyphens", True),
    Case("name-starts-with-digit", "name: 1dev\ncloud: aws\n", "name", "starting with a letter (got '1dev')"),
    Case("name-too-long", f"name: {'a' * 25}\ncloud: aws\n", "name", "at most 24 characters"),
    Case("name-empty", 'name: ""\ncloud: aws\n', "name", "at least 1 character"),
    Case("name-missing", "cloud: aws\n", "name", "required field is missing"),
    Case("cloud-missing", "name: dev\n", "cloud", "required field is missing"),
    # --- unknown fields
    Case("unknown-top-level-field", NATIVE + "nodesize: small\n", "nodesize", "did you mean 'nodeSize'?", True),
    Case("unknown-gpu-field", NATIVE + "gpu: {enabeld: true}\n", "gpu.enabeld", "did you mean 'enabled'?"),
    Case("unknown-app", NATIVE + "apps: {kubeflow: {enabled: true}}\n", "apps.kubeflow", "unknown field"),
    Case("unknown-endpoint-field", NATIVE + "endpointAccess: {private: false}\n", "endpointAccess.private", "unknown"),
    # --- types
    Case("enabled-as-text", NATIVE + "gpu: {enabled: yes-please}\n", "gpu.enabled", "valid boolean (got 'yes-please')"),
    Case("app-enabled-as-quoted-text", NATIVE + 'apps: {vllm: {enabled: "true"}}\n', "apps.vllm.enabled", "boolean"),
    Case("apps-as-list", NATIVE + "apps: [nvidia, vllm]\n", "apps", "expected a mapping of fields (got a list)"),
    Case("app-as-boolean", NATIVE + "apps: {nvidia: true}\n", "apps.nvidia", "expected a mapping of fields (got true)"),
    Case("gpu-as-text", NATIVE + "gpu: big\n", "gpu", "expected a mapping of fields (got 'big')"),
    Case("gpu-empty", NATIVE + "gpu:\n", "gpu", "(got null)"),
    # --- version, region, project, instance type
    Case("version-unquoted-float", NATIVE + "version: 1.30\n", "version", "put the value in quotes", True),
    Case("version-two", NATIVE + 'version: "2.0"\n', "version", "such as \"1.36\" (got '2.0')"),
    Case("region-not-a-region-name", NATIVE + "region: US_EAST\n", "region", "a region name"),
    Case("project-on-aws", NATIVE + "project: my-project\n", "project", "applies only to cloud: google"),
    Case(
        "subscription-on-aws",
        NATIVE + "subscriptionId: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\n",
        "subscriptionId",
        "applies only to cloud: azure",
    ),
    Case(
        "subscription-on-google",
        "name: dev\ncloud: google\nsubscriptionId: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\n",
        "subscriptionId",
        "applies only to cloud: azure",
    ),
    Case(
        "subscription-not-a-guid",
        "name: dev\ncloud: azure\nsubscriptionId: my-subscription\n",
        "subscriptionId",
        "Azure subscription ID",
    ),
    Case(
        "deploy-from-unknown", NATIVE + "endpointAccess: {deployFrom: laptop}\n", "endpointAccess.deployFrom", "laptop"
    ),
    Case("project-not-an-id", "name: dev\ncloud: google\nproject: My Project\n", "project", "Google project ID"),
    Case("gpu-instance-type-with-space", NATIVE + "gpu: {instanceType: g5 xlarge}\n", "gpu.instanceType", "spaces"),
    # --- backend
    Case("backend-type-unknown", NATIVE + "backend: {type: ftp}\n", "backend.type", "'local', 's3'"),
    Case("backend-type-missing", NATIVE + "backend: {path: state}\n", "backend.type", "required field is missing"),
    Case("backend-as-text", NATIVE + "backend: s3\n", "backend", "expected a mapping of fields (got 's3')"),
    Case("s3-without-bucket", NATIVE + "backend: {type: s3, region: us-east-1}\n", "backend.bucket", "missing"),
    Case(
        "s3-with-access-key",
        NATIVE + "backend: {type: s3, bucket: b, region: us-east-1, access_key: AKIAEXAMPLE}\n",
        "backend.access_key",
        "credentials never belong in an environment file",
    ),
    Case(
        "cloud-backend-with-token",
        NATIVE + "backend: {type: cloud, organization: o, token: abc}\n",
        "backend.token",
        "credentials",
    ),
    Case("gcs-bucket-with-space", NATIVE + "backend: {type: gcs, bucket: my bucket}\n", "backend.bucket", "spaces"),
    Case(
        "azurerm-without-storage-account",
        NATIVE + "backend: {type: azurerm, resourceGroupName: rg, containerName: tf}\n",
        "backend.storageAccountName",
        "required field is missing",
    ),
    Case(
        "cloud-backend-tag-with-space",
        NATIVE + "backend: {type: cloud, organization: o, workspaceTags: [Bad Tag]}\n",
        "backend.workspaceTags.0",
        "(got 'Bad Tag')",
    ),
    # --- endpoint access
    Case(
        "public-cidr-with-host-bits",
        NATIVE + "endpointAccess: {publicAccessCidrs: [10.0.0.1/8]}\n",
        "endpointAccess.publicAccessCidrs",
        "'10.0.0.1/8' is not a CIDR block",
    ),
    Case(
        "public-cidr-not-an-address",
        NATIVE + "endpointAccess: {publicAccessCidrs: [office]}\n",
        "endpointAccess.publicAccessCidrs",
        "'office' is not a CIDR block",
    ),
    Case(
        "public-cidrs-as-text",
        NATIVE + "endpointAccess: {publicAccessCidrs: 10.0.0.0/8}\n",
        "endpointAccess.publicAccessCidrs",
        "valid list",
    ),
    # --- availability zones
    Case(
        "zones-on-google",
        "name: dev\ncloud: google\navailabilityZones: [us-east-1a, us-east-1b, us-east-1c]\n",
        "availabilityZones",
        "applies only to cloud: aws",
    ),
    Case(
        "zone-outside-the-region",
        NATIVE + "availabilityZones: [us-west-2a, us-east-1b, us-east-1c]\n",
        "availabilityZones",
        "'us-west-2a' is not a zone of region 'us-east-1'",
    ),
    Case(
        "zone-id-instead-of-name",
        NATIVE + "availabilityZones: [use1-az1, us-east-1b, us-east-1c]\n",
        "availabilityZones.0",
        "availability zone such as us-east-1a (got 'use1-az1')",
    ),
    Case("two-zones", NATIVE + "availabilityZones: [us-east-1a, us-east-1b]\n", "availabilityZones", "at least 3"),
    Case("gpu-zones-on-aws", NATIVE + "gpu: {zones: [us-east1-c]}\n", "gpu", "zones applies only to cloud: google"),
    Case(
        "gpu-zone-outside-the-region",
        "name: dev\ncloud: google\ngpu: {zones: [us-west1-a]}\n",
        "gpu",
        "'us-west1-a' is not a zone of region 'us-east1'",
    ),
    Case(
        "gpu-zone-in-aws-spelling",
        "name: dev\ncloud: google\ngpu: {zones: [us-east-1a]}\n",
        "gpu.zones.0",
        "a Google zone such as us-east1-c (got 'us-east-1a')",
    ),
    # --- served models (apps.vllm)
    Case(
        "model-unknown-field",
        served("name: a, model: m, gpu: 1"),
        "apps.vllm.models.0.gpu",
        "unknown field (did you mean 'gpus'?)",
        True,
    ),
    Case(
        "autoscaling-with-replicas",
        served("name: a, model: m, replicas: 2, autoscaling: {maxReplicas: 3}", before=MONITORED),
        "apps.vllm.models.0.replicas",
        "not both",
        in_main=True,
    ),
    Case(
        "autoscaling-without-monitoring",
        served("name: a, model: m, autoscaling: {maxReplicas: 3}"),
        "apps.vllm.models.0.autoscaling",
        "needs apps.monitoring.enabled: true",
    ),
    Case(
        "autoscaling-beyond-the-pool",
        served("name: a, model: m, autoscaling: {maxReplicas: 11}", before=MONITORED),
        "apps.vllm.models",
        "add up to 11 GPUs; the pool has at most 10",
    ),
    Case(
        "autoscaling-min-above-max",
        served("name: a, model: m, autoscaling: {minReplicas: 4, maxReplicas: 3}", before=MONITORED),
        "apps.vllm.models.0.autoscaling.maxReplicas",
        "minReplicas (4) is greater than maxReplicas (3)",
    ),
    Case(
        "autoscaling-unknown-field",
        served("name: a, model: m, autoscaling: {maxReplica: 3}", before=MONITORED),
        "apps.vllm.models.0.autoscaling.maxReplica",
        "'maxReplicas'?",
    ),
    Case(
        "monitoring-retention-without-unit",
        NATIVE + "apps:\n  monitoring: {enabled: true, retention: '48'}\n",
        "apps.monitoring.retention",
        "hours, days or weeks",
    ),
    Case("vllm-unknown-field", served("name: a, model: m", vllm="    model: []\n"), "apps.vllm.model", "'models'?"),
    Case("model-fractional-gpus", served("name: a, model: m, gpus: 0.5"), "apps.vllm.models.0.gpus", "(got 0.5)"),
    Case(
        "model-zero-gpus", served("name: a, model: m, gpus: 0"), "apps.vllm.models.0.gpus", "greater than or equal to 1"
    ),
    Case("model-fractional-cpu", served("name: a, model: m, cpu: 1.5"), "apps.vllm.models.0.cpu", "(got 1.5)"),
    Case("model-millicores", served("name: a, model: m, cpu: 500m"), "apps.vllm.models.0.cpu", "(got '500m')"),
    Case("model-memory-in-gb", served("name: a, model: m, memory: 16GB"), "apps.vllm.models.0.memory", "Mi, Gi or Ti"),
    Case(
        "model-negative-replicas", served("name: a, model: m, replicas: -1"), "apps.vllm.models.0.replicas", "(got -1)"
    ),
    Case("model-name-not-a-label", served("name: Opt_1, model: m"), "apps.vllm.models.0.name", "lowercase letters"),
    Case("model-name-too-long", served(f"name: {'a' * 38}, model: m"), "apps.vllm.models.0.name", "at most 37"),
    Case("model-names-repeat", served("name: a, model: m", "name: a, model: n"), "apps.vllm.models", "named 'a'"),
    Case("model-without-model", served("name: a"), "apps.vllm.models.0.model", "required field is missing"),
    Case("model-with-spaces", served("name: a, model: my model"), "apps.vllm.models.0.model", "Hugging Face model id"),
    Case("model-dtype-unknown", served("name: a, model: m, dtype: fp8"), "apps.vllm.models.0.dtype", "'auto', 'half'"),
    Case(
        "model-image-without-tag",
        served("name: a, model: m, image: vllm/vllm-openai"),
        "apps.vllm.models.0.image",
        "tag",
    ),
    Case(
        "model-extra-arg-number", served("name: a, model: m, extraArgs: [0.8]"), "apps.vllm.models.0.extraArgs.0", "0.8"
    ),
    Case(
        "model-extra-arg-a-field-sets",
        served("name: a, model: m, extraArgs: [--tensor-parallel-size=2]"),
        "apps.vllm.models.0.extraArgs",
        "--tensor-parallel-size is set from tensorParallelSize",
    ),
    Case(
        "model-extra-arg-terraform-expression",
        served("name: a, model: m, extraArgs: ['--x=${var.y}']"),
        "apps.vllm.models.0.extraArgs",
        "as expressions",
    ),
    Case(
        "model-hf-token-key",
        served("name: a, model: m, hfToken: abc"),
        "apps.vllm.models.0.hfToken",
        "credentials never belong in an environment file",
        True,
    ),
    Case(
        "model-hf-token-value",
        served(f"name: a, model: m, extraArgs: [--hf-token, {HF_TOKEN_LOOKALIKE}]"),
        "apps.vllm.models.0.extraArgs.1",
        "holds a Hugging Face token",
        True,
    ),
    Case(
        "model-secret-reference-without-key",
        served("name: a, model: m, hfTokenSecret: {name: hf-token}"),
        "apps.vllm.models.0.hfTokenSecret.key",
        "required field is missing",
    ),
    Case("routing-unknown", served(vllm="    routingLogic: random\n"), "apps.vllm.routingLogic", "'roundrobin'"),
    Case(
        "session-routing-without-key",
        served(vllm="    routingLogic: session\n"),
        "apps.vllm.sessionKey",
        "required with routingLogic: session",
    ),
    Case(
        "session-key-without-session-routing",
        served(vllm="    sessionKey: x-user-id\n"),
        "apps.vllm.sessionKey",
        "applies only to routingLogic: session",
    ),
    # --- served models must fit the GPU pool (apps/vllm/serving.py)
    Case(
        "model-gpus-above-the-node",
        served("name: a, model: m, gpus: 2"),
        "apps.vllm.models.0.gpus",
        "a g5.xlarge node has 1",
        True,
    ),
    Case(
        "model-tensor-parallel-not-dividing",
        served("name: a, model: m, gpus: 1, tensorParallelSize: 2"),
        "apps.vllm.models.0.tensorParallelSize",
        "does not divide gpus (1)",
    ),
    Case("models-above-the-pool", served("name: a, model: m, replicas: 11"), "apps.vllm.models", "at most 10"),
    Case(
        "models-without-gpu-pool",
        served("name: a, model: m", before=NATIVE + "apps:\n  vllm:\n    enabled: true\n"),
        "apps.vllm.models",
        "need gpu.enabled: true",
    ),
    Case(
        "models-on-an-unknown-instance-type",
        served("name: a, model: m", before=VLLM.replace("{enabled: true}", "{enabled: true, instanceType: g9.xlarge}")),
        "gpu.instanceType",
        "not in the machine catalogue",
    ),
    Case(
        "manifest-model-gpus-above-the-node",
        cluster(
            served("name: a, model: m, gpus: 2", before="gpu: {enabled: true}\napps:\n  vllm:\n    enabled: true\n")
        ),
        "spec.parameters.apps.vllm.models.0.gpus",
        "a g5.xlarge node has 1",
        True,
    ),
    Case(
        "manifest-model-unknown-field",
        cluster("apps:\n  vllm:\n    models:\n      - {name: a, model: m, tensorParalelSize: 2}\n"),
        "spec.parameters.apps.vllm.models.0.tensorParalelSize",
        "did you mean 'tensorParallelSize'?",
    ),
    Case(
        "manifest-hf-token-in-an-annotation",
        cluster().replace("  name: a-team\n", f"  name: a-team\n  annotations: {{note: {HF_TOKEN_LOOKALIKE}}}\n"),
        "metadata.annotations.note",
        "Hugging Face token",
    ),
    Case(
        "manifest-hf-token-value",
        cluster(f"apps:\n  vllm:\n    models:\n      - {{name: a, model: {HF_TOKEN_LOOKALIKE}}}\n"),
        "spec.parameters.apps.vllm.models.0.model",
        "Hugging Face token",
    ),
    # --- the file itself
    Case("missing-file", None, "", "cannot read file (No such file or directory)", True),
    Case("empty-file", "", "", "file is empty", True),
    Case("whitespace-only-file", "  \n\n\t\n", "", "file is empty"),
    Case("comments-only-file", "# nothing yet\n", "", "file is empty"),
    Case("binary-file", b"\x7fELF\x02\x01\x01\x00\x00\x00", "", "file is binary, not YAML", True),
    Case("latin-1-file", "name: d\xe9v\ncloud: aws\n".encode("latin-1"), "", "file is not UTF-8 text"),
    Case(
        "huge-file",
        NATIVE + "# padding\n" * (MAX_FILE_BYTES // 10 + 1),
        "",
        f"an environment file is at most {MAX_FILE_BYTES}",
        True,
    ),
    Case(
        "top-level-list", "- name: dev\n  cloud: aws\n", "(top level)", "expected a mapping of fields, got a list", True
    ),
    Case("top-level-text", "dev\n", "(top level)", "got a string"),
    Case("yaml-syntax-error", NATIVE + "gpu: {enabled: true\n", "line 4, column 1", "YAML syntax error", True),
    Case("tab-indentation", "name: dev\n\tcloud: aws\n", "line 2, column 1", "'\\t' that cannot start any token"),
    Case("duplicate-key", NATIVE + "name: prod\n", "line 3, column 1", "duplicate key 'name'", True),
    Case("duplicate-nested-key", NATIVE + "gpu:\n  enabled: true\n  enabled: false\n", "line 5, column 3", "'enabled'"),
    Case("list-as-key", NATIVE + "? [a, b]\n: 1\n", "line 3, column 3", "found unhashable key"),
    Case("nested-too-deeply", NATIVE + "gpu: " + "[" * 20000 + "]" * 20000 + "\n", "", "nested too deeply"),
    Case("python-object-tag", NATIVE + "gpu: !!python/object:os.system x\n", "line 3, column 6", "constructor"),
    Case("key-with-line-break", NATIVE + '"node\\nSize": small\n', "node Size", "unknown field"),
    # --- dot-kubernetes Cluster manifests
    Case(
        "manifest-wrong-api-version",
        cluster().replace("devopstoolkit.ai/v2", "devopstoolkit.ai/v1alpha1"),
        "apiVersion",
        "expected 'devopstoolkit.ai/v2', got 'devopstoolkit.ai/v1alpha1'",
        True,
    ),
    Case(
        "manifest-wrong-kind",
        cluster().replace("kind: Cluster", "kind: ClusterClaim"),
        "kind",
        "expected 'Cluster', got 'ClusterClaim'",
        True,
    ),
    Case("manifest-without-api-version", "kind: Cluster\n", "apiVersion", "got null"),
    Case(
        "manifest-without-metadata-name",
        cluster().replace("  name: a-team\n", "  namespace: a-team\n"),
        "metadata.name",
        "required field is missing",
    ),
    Case("manifest-bad-metadata-name", cluster(name="A_Team"), "metadata.name", "(got 'A_Team')"),
    Case("manifest-numeric-metadata-name", cluster(name="2024"), "metadata.name", "put the value in quotes"),
    Case(
        "manifest-unknown-metadata-field",
        cluster().replace("  name: a-team\n", "  name: a-team\n  uid: x\n"),
        "metadata.uid",
        "unknown field in a Cluster manifest",
    ),
    Case(
        "manifest-bad-provider-label",
        cluster(labels="provider: gcp\n"),
        "spec.crossplane.compositionSelector.matchLabels.provider",
        "expected one of aws, google, azure, got 'gcp'",
    ),
    Case(
        "manifest-without-provider-label",
        cluster(labels="cluster: eks\n"),
        "spec.crossplane.compositionSelector.matchLabels.provider",
        "got null",
    ),
    Case(
        "manifest-cluster-label-disagrees-with-provider",
        cluster(labels="provider: aws\ncluster: gke\n"),
        "spec.crossplane.compositionSelector.matchLabels.cluster",
        "'gke' does not match provider 'aws' (expected 'eks')",
    ),
    Case(
        "manifest-unknown-composition-ref",
        cluster().split("    compositionSelector:")[0] + "    compositionRef: {name: cluster-gcp}\n",
        "spec.crossplane.compositionRef.name",
        "expected one of cluster-aws, cluster-google, cluster-azure, got 'cluster-gcp'",
    ),
    Case(
        "manifest-crossplane-without-composition",
        cluster().split("    compositionSelector:")[0] + "    {}\n",
        "spec.crossplane",
        "needs compositionSelector.matchLabels.provider or compositionRef.name",
    ),
    Case(
        "manifest-without-crossplane",
        cluster().split("  crossplane:")[0] + "  parameters: {}\n",
        "spec.crossplane",
        "expected a mapping, got null",
    ),
    Case(
        "manifest-unknown-spec-field",
        cluster() + "  compositionUpdatePolicy: Manual\n",
        "spec.compositionUpdatePolicy",
        "unknown field",
    ),
    Case("manifest-unknown-top-level-field", cluster() + "status: {ready: true}\n", "status", "unknown field"),
    Case(
        "manifest-gpu-node-size-not-in-catalogue",
        cluster("gpu: {enabled: true, nodeSize: xl}\n"),
        "spec.parameters.gpu.nodeSize",
        "'small', 'medium' or 'large' (got 'xl')",
    ),
    Case("manifest-parameters-name", cluster("name: other\n"), "spec.parameters.name", "unknown field"),
    Case("manifest-parameters-cloud", cluster("cloud: aws\n"), "spec.parameters.cloud", "unknown field"),
    Case(
        "manifest-unknown-parameter",
        cluster("nodesize: small\n"),
        "spec.parameters.nodesize",
        "did you mean 'nodeSize'?",
    ),
    Case("manifest-version-unquoted-float", cluster("version: 1.30\n"), "spec.parameters.version", "quotes"),
    Case(
        "manifest-min-above-max",
        cluster("minNodeCount: 3\nmaxNodeCount: 1\n"),
        "spec.parameters.maxNodeCount",
        "minNodeCount (3) is greater than maxNodeCount (1)",
    ),
    Case(
        "manifest-gpu-min-above-max",
        cluster("gpu: {minNodeCount: 3, maxNodeCount: 1}\n"),
        "spec.parameters.gpu.maxNodeCount",
        "is greater than",
    ),
    Case("manifest-app-as-list", cluster("apps: {vllm: [on]}\n"), "spec.parameters.apps.vllm", "got a list"),
    Case("manifest-parameters-as-list", cluster().rstrip("\n") + "\n  parameters: [a]\n", "spec.parameters", "list"),
    # --- namespaces and apps (issue 10) ---
    Case("namespace-not-a-dns-label", NATIVE + "namespaces: [Team_A]\n", "namespaces.0", "a DNS label"),
    Case("namespace-too-long", NATIVE + f"namespaces: [{'a' * 64}]\n", "namespaces.0", "at most 63 characters"),
    Case("namespace-duplicate", NATIVE + "namespaces: [dev, dev]\n", "namespaces", "'dev' is listed twice", True),
    Case("namespace-kubernetes-own", NATIVE + "namespaces: [kube-system]\n", "namespaces", "'kube-system' is reserved"),
    Case("namespace-of-an-app", NATIVE + "namespaces: [dev, argocd]\n", "namespaces", "'argocd' is reserved"),
    Case(
        "namespace-of-the-node-exporter",
        NATIVE + "namespaces: [monitoring-node]\n",
        "namespaces",
        "'monitoring-node' is reserved",
    ),
    Case("namespaces-not-a-list", NATIVE + "namespaces: dev\n", "namespaces", "list"),
    Case(
        "manifest-namespace-reserved",
        cluster("namespaces: [default]\n"),
        "spec.parameters.namespaces",
        "'default' is reserved",
        True,
    ),
    Case(
        "crossplane-enabled-not-bool",
        NATIVE + "apps: {crossplane: {enabled: 'yes'}}\n",
        "apps.crossplane.enabled",
        "bool",
    ),
    Case(
        "traefik-unknown-field",
        NATIVE + "apps: {traefik: {enabld: true}}\n",
        "apps.traefik.enabld",
        "did you mean 'enabled'",
    ),
    Case("dapr-as-list", NATIVE + "apps: {dapr: [on]}\n", "apps.dapr", "got a list"),
    Case(
        "openfunction-enabled-not-bool",
        NATIVE + "apps: {openfunction: {enabled: 1}}\n",
        "apps.openfunction.enabled",
        "bool",
    ),
    Case(
        "argocd-host-not-a-hostname",
        NATIVE + "apps: {argocd: {host: 'https://x.io'}}\n",
        "apps.argocd.host",
        "DNS name",
    ),
    Case(
        "argocd-repo-url-not-git",
        NATIVE + "apps: {argocd: {repoURL: example.com/r}}\n",
        "apps.argocd.repoURL",
        "Git repository URL",
        True,
    ),
    Case(
        "argocd-repo-url-snake-case",
        NATIVE + "apps: {argocd: {repoUrl: https://h/r}}\n",
        "apps.argocd.repoUrl",
        "did you mean 'repoURL'",
    ),
    Case(
        "argocd-destination-not-a-label",
        NATIVE + "apps: {argocd: {destinationNamespace: Prod}}\n",
        "apps.argocd.destinationNamespace",
        "a DNS label",
    ),
    Case(
        "argocd-source-path-absolute",
        NATIVE + "apps: {argocd: {sourcePath: /apps}}\n",
        "apps.argocd.sourcePath",
        "relative path",
    ),
    Case(
        "manifest-argocd-source-path-escapes",
        cluster("apps: {argocd: {sourcePath: 'a b'}}\n"),
        "spec.parameters.apps.argocd.sourcePath",
        "relative path",
    ),
    # --- apps.externalSecrets (one case per field and rule)
    Case("eso-enabled-as-text", NATIVE + ESO + '{enabled: "yes"}\n', "apps.externalSecrets.enabled", "boolean"),
    Case(
        "eso-store-as-text", NATIVE + ESO + '{enabled: true, store: "yes"}\n', "apps.externalSecrets.store", "boolean"
    ),
    Case(
        "eso-store-without-enabled",
        NATIVE + ESO + "{store: true}\n",
        "apps.externalSecrets.store",
        "store: true needs enabled: true",
    ),
    Case(
        "eso-secrets-without-store",
        NATIVE + ESO + "{enabled: true, secrets: [" + HF + "]}\n",
        "apps.externalSecrets.secrets",
        "secrets need store: true",
        True,
    ),
    Case(
        "eso-duplicate-target",
        NATIVE
        + ESO
        + "{enabled: true, store: true, secrets: ["
        + HF
        + ", "
        + HF.replace("fromSecret: hf-token", "fromSecret: other")
        + "]}\n",
        "apps.externalSecrets.secrets",
        "toSecret 'hf-token' in toNamespace 'vllm' is listed twice",
        True,
    ),
    Case(
        "eso-secret-without-from",
        NATIVE + ESO + "{enabled: true, store: true, secrets: [{toSecret: a, toNamespace: b}]}\n",
        "apps.externalSecrets.secrets.0.fromSecret",
        "required field is missing",
    ),
    Case(
        "eso-to-secret-uppercase",
        NATIVE
        + ESO
        + "{enabled: true, store: true, secrets: ["
        + HF.replace("toSecret: hf-token", "toSecret: HF")
        + "]}\n",
        "apps.externalSecrets.secrets.0.toSecret",
        "a Kubernetes object name",
    ),
    Case(
        "eso-to-namespace-with-dot",
        NATIVE
        + ESO
        + "{enabled: true, store: true, secrets: ["
        + HF.replace("toNamespace: vllm", "toNamespace: a.b")
        + "]}\n",
        "apps.externalSecrets.secrets.0.toNamespace",
        "a DNS label",
    ),
    Case(
        "eso-type-with-space",
        NATIVE + ESO + "{enabled: true, store: true, secrets: [" + HF.replace("}", ", type: my type}") + "]}\n",
        "apps.externalSecrets.secrets.0.type",
        "a Secret type",
    ),
    Case(
        "eso-from-secret-with-space",
        NATIVE
        + ESO
        + "{enabled: true, store: true, secrets: ["
        + HF.replace("fromSecret: hf-token", "fromSecret: 'a b'")
        + "]}\n",
        "apps.externalSecrets.secrets.0.fromSecret",
        "a secret name",
    ),
    Case(
        "eso-from-secret-invalid-on-google",
        "name: dev\ncloud: google\n"
        + ESO
        + "{enabled: true, store: true, secrets: ["
        + HF.replace("fromSecret: hf-token", "fromSecret: a/b")
        + "]}\n",
        "apps.externalSecrets.secrets.0.fromSecret",
        "a google secret name has 1-255 letters, digits, '_' and '-' (got 'a/b')",
        True,
    ),
    Case(
        "eso-vault-url-on-aws",
        NATIVE + ESO + "{enabled: true, azureVaultUrl: 'https://team-kv.vault.azure.net/'}\n",
        "apps.externalSecrets.azureVaultUrl",
        "applies only to cloud: azure",
        True,
    ),
    Case(
        "eso-vault-url-missing-on-azure",
        "name: dev\ncloud: azure\n" + ESO + "{enabled: true, store: true}\n",
        "apps.externalSecrets.azureVaultUrl",
        "is required with store: true on azure",
    ),
    Case(
        "eso-vault-url-not-a-vault",
        "name: dev\ncloud: azure\n" + ESO + "{enabled: true, azureVaultUrl: 'https://example.com/'}\n",
        "apps.externalSecrets.azureVaultUrl",
        "a Key Vault URL",
    ),
    Case(
        "eso-unknown-field",
        NATIVE + ESO + "{enabled: true, refreshInterval: 5m}\n",
        "apps.externalSecrets.refreshInterval",
        "unknown field",
    ),
    Case(
        "eso-credential-looking-field",
        NATIVE + ESO + "{enabled: true, awsSecretAccessKey: abc}\n",
        "apps.externalSecrets.awsSecretAccessKey",
        "credentials never belong in an environment file",
    ),
    Case(
        "manifest-eso-vault-url-on-google",
        cluster(
            "apps: {externalSecrets: {enabled: true, azureVaultUrl: 'https://team-kv.vault.azure.net/'}}\n",
            labels="provider: google\n",
        ),
        "spec.parameters.apps.externalSecrets.azureVaultUrl",
        "applies only to cloud: azure",
    ),
]


def write_case(folder: Path, case: Case) -> Path:
    path = folder / f"{case.id}.yaml"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif isinstance(case.content, str):
        path.write_text(case.content, encoding="utf-8")
    return path


def expected_start(path: Path, case: Case) -> str:
    return f"{path}: {case.field}: " if case.field else f"{path}: "


def test_there_are_at_least_thirty_cases_and_twelve_run_main() -> None:
    assert len(CASES) >= 30
    assert sum(case.in_main for case in CASES) >= 12
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_loader_refuses_with_one_line_per_problem_naming_file_field_and_problem(tmp_path: Path, case: Case) -> None:
    path = write_case(tmp_path, case)
    with pytest.raises(ConfigError) as raised:
        load_environment_file(path)
    first, *more = raised.value.lines
    assert first.startswith(expected_start(path, case)), first
    assert case.problem in first.removeprefix(expected_start(path, case)), first
    for line in (first, *more):
        assert "\n" not in line
        assert line.startswith(f"{path}: "), line  # each further problem names the file (and its field) too
        assert len(line) < 400, line


# --- main.py as a user runs it ------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder (None) under `folder`."""
    return {
        entry.relative_to(folder).as_posix(): (entry.read_bytes() if entry.is_file() else None)
        for entry in sorted(folder.rglob("*"))
    }


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An output folder holding a previous synthesis and a sentinel, as a user's cdktf.out would."""
    outdir = tmp_path / "cdktf.out"
    stack = outdir / "stacks" / "dev-cluster"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{"previous": "synthesis"}\n')
    (outdir / "manifest.json").write_text('{"version": "previous"}\n')
    (outdir / "sentinel").write_bytes(b"must survive\n")
    return outdir


def run_main(environments: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENVIRONMENTS": environments,
        "CDKTF_OUTDIR": str(outdir),
        "PATH": f"{PROJECT_ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused_with_one_line(result: subprocess.CompletedProcess[str], start: str) -> None:
    """Exit 2, the named problem first, and each problem one `error: <file>: ...` line (no "and N more")."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith(f"error: {start}"), lines[0]
    file = start.split(": ", maxsplit=1)[0]
    assert all(line.startswith(f"error: {file}") for line in lines), result.stderr
    assert "more problem" not in result.stderr


MAIN_CASES = [case for case in CASES if case.in_main]


@pytest.mark.parametrize("case", MAIN_CASES, ids=[case.id for case in MAIN_CASES])
def test_main_exits_2_with_one_error_line_and_writes_nothing(tmp_path: Path, previous_output: Path, case: Case) -> None:
    path = write_case(tmp_path, case)
    before = snapshot(previous_output)
    result = run_main(str(path), previous_output)
    if case.content is None:  # the selection itself names a missing file
        assert_refused_with_one_line(result, f"{path}: file not found")
    else:
        assert_refused_with_one_line(result, expected_start(path, case))
        assert case.problem in result.stderr
    assert snapshot(previous_output) == before


def test_main_writes_nothing_when_a_later_file_is_bad(tmp_path: Path, previous_output: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(NATIVE)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: other\ncloud: aws\nnodeSize: huge\n")
    before = snapshot(previous_output)
    result = run_main(f"{good},{bad}", previous_output)
    assert_refused_with_one_line(result, f"{bad}: nodeSize: ")
    assert snapshot(previous_output) == before


def test_main_refuses_duplicate_names_across_files(tmp_path: Path, previous_output: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(NATIVE)
    second.write_text("name: dev\ncloud: google\n")
    before = snapshot(previous_output)
    result = run_main(f"{first},{second}", previous_output)
    assert_refused_with_one_line(result, f"{second}: name: ")
    assert str(first) in result.stderr
    assert snapshot(previous_output) == before
