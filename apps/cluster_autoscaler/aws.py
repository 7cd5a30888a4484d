"""The EKS Cluster Autoscaler's AWS side: in the cluster stack its IRSA role and the tags on each group's ASG; in
the apps stack the role found by name for the release's service account (the release is in install.py).
"""

from __future__ import annotations

import re

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.autoscaling_group_tag import AutoscalingGroupTagA, AutoscalingGroupTagTag
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider

from apps.cluster_autoscaler import OWNED_VALUE, SERVICE_ACCOUNT, cluster_tag, identity_name, node_template_tags
from constructs import Construct
from constructs.aws.composition import EksClusterParts
from constructs.aws.workload_identity import IrsaRole, IrsaRoleByName
from spec.environment import Environment

# cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler Features Policy (Recommended)": the
# reads auto-discovery and scale-from-zero need. eks:DescribeNodegroup gives an empty managed group's labels and
# taints; ec2:DescribeInstanceTypes its CPUs, memory and GPUs.
READ_ACTIONS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
]
DESCRIBE_NODEGROUP = "eks:DescribeNodegroup"
# The two calls that add or remove nodes: only on Auto Scaling groups tagged as this cluster's.
WRITE_ACTIONS = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]


class ClusterAutoscalerIdentity(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        region: str,
        oidc_provider: IamOpenidConnectProvider,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = IrsaRole(
            self,
            "identity",
            name=identity_name(cluster_name),
            oidc_provider=oidc_provider,
            service_account=SERVICE_ACCOUNT,
            statements=[
                # these reads take no resource scope in IAM
                DataAwsIamPolicyDocumentStatement(effect="Allow", actions=READ_ACTIONS, resources=["*"]),
                DataAwsIamPolicyDocumentStatement(
                    effect="Allow",
                    actions=[DESCRIBE_NODEGROUP],
                    resources=[f"arn:aws:eks:{region}:*:nodegroup/{cluster_name}/*/*"],  # this cluster's groups only
                ),
                DataAwsIamPolicyDocumentStatement(
                    effect="Allow",
                    actions=WRITE_ACTIONS,
                    # ASG ARNs hold a random id; the tag condition is what scopes them to this cluster
                    resources=[f"arn:aws:autoscaling:{region}:*:autoScalingGroup:*:autoScalingGroupName/*"],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable=f"aws:ResourceTag/{cluster_tag(cluster_name)}",
                            values=[OWNED_VALUE],
                        )
                    ],
                ),
            ],
        ).role


class AutoscalingGroupTags(Construct):
    """Tags on the ASG EKS creates for a managed node group (node group tags never reach it: containers-roadmap#608).

    Always the cluster's ownership tag, which the role's write condition matches (set here rather than trusting
    the value EKS writes); plus, for a group that may be empty, the node-template tags the autoscaler builds its
    template node from when DescribeNodegroup is not enough (its result is cached after the first node, #8123).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        node_group: EksNodeGroup,
        cluster_name: str,
        template_tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        group_name = node_group.resources.get(0).autoscaling_groups.get(0).name
        tags = {cluster_tag(cluster_name): OWNED_VALUE, **template_tags}
        self.tags = [
            AutoscalingGroupTagA(
                self,
                re.sub(r"[^A-Za-z0-9-]", "-", key),  # the key names the resource: reordering moves nothing
                autoscaling_group_name=group_name,
                # the ASG's own tag only: instances are labelled by the kubelet, not by tags
                tag=AutoscalingGroupTagTag(key=key, value=value, propagate_at_launch=False),
            )
            for key, value in tags.items()
        ]


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: EksClusterParts) -> None:
    """The autoscaler's role, and on each group's ASG the tags its write condition and empty-group template need."""
    identity = ClusterAutoscalerIdentity(
        stack,
        "cluster-autoscaler-identity",
        cluster_name=environment.name,
        region=environment.resolved_region,
        oidc_provider=cluster.oidc_provider,
    )
    for spec, pool in cluster.node_pools:
        AutoscalingGroupTags(
            stack,
            f"{spec.name}-pool-asg-tags",
            node_group=pool.node_group,
            cluster_name=environment.name,
            template_tags=node_template_tags(spec),
        )
    TerraformOutput(stack, "cluster_autoscaler_identity", value=identity.role.arn)


def service_account_annotations(stack: TerraformStack, environment: Environment) -> dict[str, str]:
    """The apps stack's side: the role the cluster stack created, found by its name."""
    return IrsaRoleByName(stack, "cluster-autoscaler-identity", name=identity_name(environment.name)).annotations
