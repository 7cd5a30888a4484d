"""Who scales each cloud's node pools, whether the environment can be scaled as written, and whether it fits.

Errors are checked by the loader (so they name the file and field); the plan itself is shown by the cluster stack.
"""

from __future__ import annotations

from config.catalogue import Cloud
from config.cluster_autoscaler import IMAGE_TAGS
from config.model import Environment
from config.problems import FieldProblem

# GKE has no per-pool idle time (constructs/google/cluster.py AUTOSCALING_PROFILE): only its own value is true.
GKE_SCALE_DOWN_MINUTES = 10


def scaling_problems(environment: Environment) -> list[FieldProblem]:
    problems = []
    if environment.cloud is Cloud.AWS and environment.version not in IMAGE_TAGS:
        problems.append(
            FieldProblem(
                "version",
                f"no Cluster Autoscaler image is pinned for Kubernetes {environment.version} on EKS "
                f"(config/cluster_autoscaler.py knows {', '.join(IMAGE_TAGS)}), so nothing would resize the node "
                "groups; use one of those",
            )
        )
    gpu = environment.gpu
    if environment.cloud is Cloud.GOOGLE and gpu.scale_down_after_minutes != GKE_SCALE_DOWN_MINUTES:
        problems.append(
            FieldProblem(
                "gpu.scaleDownAfterMinutes",
                f"GKE's autoscaler removes idle nodes after about {GKE_SCALE_DOWN_MINUTES} minutes and offers no "
                f"setting to change that; remove the field or set {GKE_SCALE_DOWN_MINUTES}",
            )
        )
    return problems
