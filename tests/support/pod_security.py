"""The Pod Security Standards checked on one pod spec, the way the API server's Pod Security admission applies them
(kubernetes.io/docs/concepts/security/pod-security-standards; the checks are k8s.io/pod-security-admission's
policy/check_*.go, read at 8f84a87c, 2026-07-01).

`baseline_violations` and `restricted_violations` say what a pod breaks at each level (restricted includes
baseline); `level_met` is the strictest level it meets. Where a rule differs between the Kubernetes minors the
shipped environments run (1.33 to 1.36), this takes the stricter one: no relaxation for pods in a user namespace
(`hostUsers: false`, 1.35+), host probes forbidden (1.34+), the sysctls allowed since 1.32. No exemption for
Windows pods either: none of ours is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from apps.declaration import PodSecurityLevel

Spec = Mapping[str, Any]

# Capabilities a baseline container may add: the container runtimes' default set (check_capabilities_baseline.go).
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)  # fmt: skip
# The only capability a restricted container may add back after dropping ALL (check_capabilities_restricted.go).
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
# Namespaced sysctls a baseline pod may set (check_sysctls.go, the 1.32 list).
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    }
)  # fmt: skip
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
# Profile types a pod or container may name (seccomp: baseline forbids Unconfined, restricted requires one of these).
CONFINED_PROFILES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
# The volume sources a restricted pod may use (check_restrictedVolumes.go); everything else needs a PersistentVolume.
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def containers(spec: Spec) -> list[Mapping[str, Any]]:
    """Init, regular and ephemeral containers: every rule applies to all three."""
    return [*spec.get("initContainers", []), *spec.get("containers", []), *spec.get("ephemeralContainers", [])]


def _context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return container.get("securityContext") or {}


def _named_contexts(every: Sequence[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(str(container.get("name")), _context(container)) for container in every]


def _named(items: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(str(item.get("name")) for item in items)


def _host_endpoints(container: Mapping[str, Any]) -> list[str]:
    """`host` fields of its probes and lifecycle handlers, which would let the kubelet connect anywhere."""
    handlers = [container.get(probe) or {} for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
    handlers += [(container.get("lifecycle") or {}).get(hook) or {} for hook in ("postStart", "preStop")]
    return [
        str(action["host"])
        for handler in handlers
        for action in (handler.get("httpGet") or {}, handler.get("tcpSocket") or {})
        if action.get("host")
    ]


def baseline_violations(spec: Spec, annotations: Mapping[str, str] | None = None) -> list[str]:
    """What the pod breaks of the baseline level: each rule once, naming the containers or volumes."""
    pod, every = spec.get("securityContext") or {}, containers(spec)
    found = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field)]
    contexts = [("pod", pod), *_named_contexts(every)]
    windows = [name for name, context in contexts if (context.get("windowsOptions") or {}).get("hostProcess")]
    if windows:
        found.append(f"hostProcess: {', '.join(windows)}")
    privileged = [c for c in every if _context(c).get("privileged")]
    if privileged:
        found.append(f"privileged: {_named(privileged)}")
    added = [c for c in every if set((_context(c).get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES]
    if added:
        found.append(f"capabilities beyond the default set: {_named(added)}")
    host_paths = [volume for volume in spec.get("volumes", []) if "hostPath" in volume]
    if host_paths:
        found.append(f"hostPath volumes: {_named(host_paths)}")
    host_ports = [c for c in every if any(port.get("hostPort") for port in c.get("ports", []))]
    if host_ports:
        found.append(f"hostPort: {_named(host_ports)}")
    apparmor = [
        name for name, context in contexts if _profile(context, "appArmorProfile") not in (None, *CONFINED_PROFILES)
    ]
    apparmor += [key for key, value in (annotations or {}).items() if not _apparmor_annotation_allowed(key, value)]
    if apparmor:
        found.append(f"AppArmor profile not RuntimeDefault or Localhost: {', '.join(apparmor)}")
    selinux = [name for name, context in contexts if not _selinux_allowed(context.get("seLinuxOptions") or {})]
    if selinux:
        found.append(f"seLinuxOptions: {', '.join(selinux)}")
    unmasked = [c for c in every if _context(c).get("procMount", "Default") != "Default"]
    if unmasked:
        found.append(f"procMount: {_named(unmasked)}")
    unconfined = [
        name for name, context in contexts if _profile(context, "seccompProfile") not in (None, *CONFINED_PROFILES)
    ]
    if unconfined:
        found.append(f"seccomp profile other than RuntimeDefault or Localhost: {', '.join(unconfined)}")
    sysctls = [str(s.get("name")) for s in pod.get("sysctls", []) if s.get("name") not in SAFE_SYSCTLS]
    if sysctls:
        found.append(f"sysctls: {', '.join(sysctls)}")
    probing = [c for c in every if _host_endpoints(c)]
    if probing:
        found.append(f"probe or lifecycle host: {_named(probing)}")
    return found


def restricted_violations(spec: Spec, annotations: Mapping[str, str] | None = None) -> list[str]:
    """What the pod breaks of the restricted level (its baseline violations among them)."""
    pod, every = spec.get("securityContext") or {}, containers(spec)
    found = baseline_violations(spec, annotations)
    volumes = [volume for volume in spec.get("volumes", []) if not set(volume) - {"name"} <= RESTRICTED_VOLUMES]
    if volumes:
        found.append(f"volume types beyond the restricted ones: {_named(volumes)}")
    escalating = [c for c in every if _context(c).get("allowPrivilegeEscalation") is not False]
    if escalating:
        found.append(f"allowPrivilegeEscalation not false: {_named(escalating)}")
    root = [
        c
        for c in every
        if _context(c).get("runAsNonRoot") is False
        or (_context(c).get("runAsNonRoot") is None and pod.get("runAsNonRoot") is not True)
    ]
    if pod.get("runAsNonRoot") is False or root:
        found.append(f"runAsNonRoot not true: pod or {_named(root)}")
    uid_zero = [name for name, context in [("pod", pod), *_named_contexts(every)] if context.get("runAsUser") == 0]
    if uid_zero:
        found.append(f"runAsUser=0: {', '.join(uid_zero)}")
    pod_confined = _profile(pod, "seccompProfile") in CONFINED_PROFILES
    unconfined = [
        c
        for c in every
        if _profile(_context(c), "seccompProfile") not in CONFINED_PROFILES
        and not (pod_confined and _profile(_context(c), "seccompProfile") is None)
    ]
    if unconfined:
        found.append(f"seccomp profile not RuntimeDefault or Localhost: {_named(unconfined)}")
    capable = [c for c in every if not _capabilities_restricted(_context(c).get("capabilities") or {})]
    if capable:
        found.append(f"capabilities not drop ALL / add only NET_BIND_SERVICE: {_named(capable)}")
    return found


def _profile(context: Mapping[str, Any], field: str) -> str | None:
    profile = context.get(field)
    return None if profile is None else str(profile.get("type"))


def _apparmor_annotation_allowed(key: str, value: str) -> bool:
    return not key.startswith(APPARMOR_ANNOTATION) or value in ("", "runtime/default") or value.startswith("localhost/")


def _selinux_allowed(options: Mapping[str, Any]) -> bool:
    return options.get("type", "") in SELINUX_TYPES and not options.get("user") and not options.get("role")


def _capabilities_restricted(capabilities: Mapping[str, Any]) -> bool:
    return "ALL" in (capabilities.get("drop") or []) and set(capabilities.get("add") or []) <= RESTRICTED_CAPABILITIES


def level_met(spec: Spec, annotations: Mapping[str, str] | None = None) -> PodSecurityLevel:
    """The strictest level whose every rule the pod meets."""
    if baseline_violations(spec, annotations):
        return PodSecurityLevel.PRIVILEGED
    if restricted_violations(spec, annotations):
        return PodSecurityLevel.BASELINE
    return PodSecurityLevel.RESTRICTED


def admits(enforced: PodSecurityLevel, pod: PodSecurityLevel) -> bool:
    """Whether a namespace enforcing `enforced` admits a pod that meets `pod` (strictest first in the enum)."""
    order = list(PodSecurityLevel)
    return order.index(pod) <= order.index(enforced)


def weakest(levels: Sequence[PodSecurityLevel]) -> PodSecurityLevel:
    """The level every one of these pods meets (restricted for none)."""
    order = list(PodSecurityLevel)
    return max(levels, key=order.index, default=PodSecurityLevel.RESTRICTED)
