"""The composition root's one step per environment: its two stacks on an app."""

from __future__ import annotations

from constructs import Construct
from stacks.apps_stack import AppsStack
from stacks.cluster_stack import ClusterStack
from validation.loader import EnvironmentFile


def add_environment(scope: Construct, environment_file: EnvironmentFile) -> tuple[ClusterStack, AppsStack]:
    environment = environment_file.environment
    cluster = ClusterStack(scope, environment=environment, warnings=environment_file.warnings)
    apps = AppsStack(scope, environment=environment, cluster_stack=cluster)
    return cluster, apps
