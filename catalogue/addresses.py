"""Address ranges with a fixed meaning that an environment file must not use as a real address."""

from __future__ import annotations

import ipaddress

# RFC 5737 §3: TEST-NET-1, -2 and -3, reserved for documentation; no packet from the internet comes from them.
DOCUMENTATION_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def documentation_cidrs(cidrs: list[str]) -> list[str]:
    """The CIDRs that lie inside a documentation range: placeholders, not anyone's egress address."""
    networks = [(cidr, ipaddress.ip_network(cidr)) for cidr in cidrs]
    return [
        cidr
        for cidr, network in networks
        if isinstance(network, ipaddress.IPv4Network) and any(network.subnet_of(d) for d in DOCUMENTATION_RANGES)
    ]
