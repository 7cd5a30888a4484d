"""EKS managed node groups built from cloud-neutral `NodePoolSpec`s."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.data_aws_eks_clusters import DataAwsEksClusters
from cdktf_cdktf_provider_aws.data_aws_eks_node_group import DataAwsEksNodeGroup
from cdktf_cdktf_provider_aws.data_aws_eks_node_groups import DataAwsEksNodeGroups
from cdktf_cdktf_provider_aws.eks_node_group import (
    EksNodeGroup,
    EksNodeGroupLaunchTemplate,
    EksNodeGroupScalingConfig,
    EksNodeGroupTaint,
)
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateMetadataOptions,
)

from catalogue.gpu_drivers import GpuSoftwareOwners, Owner
from constructs import Construct
from constructs.aws.iam import ServiceRole
from spec.pools import NodePoolSpec, replaceable_name

CPU_AMI_TYPE = "AL2023_x86_64_STANDARD"
# The node image decides who brings the GPU software (see catalogue/gpu_drivers.py).
GPU_AMI_TYPES: dict[GpuSoftwareOwners, str] = {
    GpuSoftwareOwners(Owner.NODE_IMAGE, Owner.NODE_IMAGE, Owner.GPU_OPERATOR): "AL2023_x86_64_NVIDIA",
    GpuSoftwareOwners(Owner.NODE_IMAGE, Owner.NODE_IMAGE, Owner.NODE_IMAGE): "BOTTLEROCKET_x86_64_NVIDIA",
}


def gpu_ami_type(owners: GpuSoftwareOwners) -> str:
    try:
        return GPU_AMI_TYPES[owners]
    except KeyError:
        raise ValueError(f"no EKS node image provides GPU software owned as {owners}") from None


class EksNodeRole(ServiceRole):
    """The role every node group shares: the three policies EKS worker nodes need, nothing more."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str) -> None:
        super().__init__(
            scope,
            construct_id,
            name=f"{cluster_name}-eks-nodes",
            service="ec2.amazonaws.com",
            policies=["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
        )


class EksLiveNodeGroups(Construct):
    """The node groups EKS runs now for this cluster, read at plan time; none before the cluster exists.

    Looked up by the cluster's name, never through the cluster resource: a reference would defer every read to
    apply time, and a count that depends on a deferred read cannot be planned.
    """

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str) -> None:
        super().__init__(scope, construct_id)
        self.cluster_name = cluster_name
        clusters = DataAwsEksClusters(self, "clusters")
        groups = DataAwsEksNodeGroups(self, "node-groups", cluster_name=cluster_name)
        # Listing the groups of a cluster that does not exist yet is an error, so the list is read only once it does.
        groups.add_override("count", f'${{contains({clusters.fqn}.names, "{cluster_name}") ? 1 : 0}}')
        self.names = f"try({groups.fqn}[0].names, [])"


class EksNodePool(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: NodePoolSpec,
        cluster_name: str,
        kubernetes_version: str,
        node_role: EksNodeRole,
        subnet_ids: list[str],
        zones: list[str],
        live: EksLiveNodeGroups,
    ) -> None:
        super().__init__(scope, construct_id)
        ami_type = gpu_ami_type(spec.gpu.owners) if spec.gpu else CPU_AMI_TYPE
        # instance_types, ami_type and subnet_ids (one per zone) force EKS to replace a node group; they also name
        # it, so the replacement never collides with the group it replaces (EKS refuses two groups of one name).
        # Spot or on demand replaces a group too (capacity_type forces it); on demand adds nothing, so groups named
        # before pools could be spot keep their names.
        self.name = replaceable_name(spec.name, [spec.machine_type], ami_type, zones, *(["SPOT"] if spec.spot else []))
        # A launch template is the only way to require IMDSv2 and encrypt the root volume of managed nodes.
        template = LaunchTemplate(
            self,
            "launch-template",
            # Named with its group: a group's replacement gets its own template, the old one goes with the old group.
            name=f"{cluster_name}-{self.name}",
            update_default_version=True,
            metadata_options=LaunchTemplateMetadataOptions(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
            ),
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/xvda",
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        volume_size=spec.disk_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.node_group = EksNodeGroup(
            self,
            "node-group",
            cluster_name=cluster_name,
            node_group_name=self.name,
            node_role_arn=node_role.role.arn,
            subnet_ids=subnet_ids,
            instance_types=[spec.machine_type],
            capacity_type="SPOT" if spec.spot else None,
            ami_type=ami_type,
            # Pinned to the cluster's version: left unset, a node group drifts from the control plane.
            version=kubernetes_version,
            scaling_config=EksNodeGroupScalingConfig(
                min_size=spec.min_nodes,
                max_size=spec.max_nodes,
                desired_size=spec.min_nodes,
            ),
            labels=spec.labels or None,
            taint=[EksNodeGroupTaint(key=t.key, value=t.value, effect="NO_SCHEDULE") for t in spec.taints] or None,
            launch_template=EksNodeGroupLaunchTemplate(
                id=template.id, version=Token.as_string(template.latest_version)
            ),
            # create_before_destroy: a replacement group joins and takes the pods before the old one is deleted.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=node_role.attachments,
        )
        self.node_group.add_override("scaling_config.desired_size", self._desired_size(spec, live))

    def _desired_size(self, spec: NodePoolSpec, live: EksLiveNodeGroups) -> str:
        """The running group's desired size, clamped into the new bounds; the minimum for a group not running yet.

        An autoscaler owns the desired size, and Terraform must not undo its work: sending back what runs makes no
        change. `ignore_changes` would send the old size with new bounds, which EKS refuses once the minimum rises
        above it ("Minimum capacity 1 can't be greater than desired size 0"). A replacement (new name) starts with
        the size of the group it replaces, so create-first brings up as many nodes as are running.
        """
        # This name, else the group it replaces (`gpu-<old hash>`, or plain `gpu` from before names had a hash).
        running_name = (
            f'(contains({live.names}, "{self.name}") ? "{self.name}" : '
            f'try([for n in sort({live.names}) : n if n == "{spec.name}" || startswith(n, "{spec.name}-")][0], ""))'
        )
        running = DataAwsEksNodeGroup(
            self, "running", cluster_name=live.cluster_name, node_group_name=f"${{{running_name}}}"
        )
        running.add_override("count", f'${{{running_name} == "" ? 0 : 1}}')
        current = f"try({running.fqn}[0].scaling_config[0].desired_size, {spec.min_nodes})"
        return f"${{max({spec.min_nodes}, min({spec.max_nodes}, {current}))}}"
