"""The shipped files (examples/ and environments/) teach by example, so each says in its first comment what it shows,
what it costs at rest, and which warnings synth gives for it; nothing else may warn.

The first comment is the block of `#` lines at the top of the file. Besides what the file shows, it holds entries:

- `# cost at rest: ...`, exactly once, with exactly one `$X.XX/h`: the "at rest" figure of the cluster stack's
  total `cost:` line, to the cent. Where every node pool has a list price it says `list prices, <region>, as of
  <date>` as that line does. Where a machine type has none, it says `no list price for <type>, ... in <region>:
  at least $X.XX/h`, naming every unpriced type. Where the cloud charges a fee no dated price covers (GKE's
  cluster fee), it says that fee is `not included`.
- `# warns: <field>, ... (<why>)`, once per reason: the warnings the file is meant to give. A warning is named by
  its first word, without a trailing colon: each warning starts with the field it is about
  (`endpointAccess.publicAccessCidrs: 203.0.113.10/32 is a documentation range ...`, `project is not set: ...`,
  `apps.vllm.models with gpu.pools.1.minNodeCount: 0: ...`). Every warning of the file's two stacks must be named,
  and every name must still warn, so the line goes when its cause does.

An entry continues on the lines after it that start with `#   ` (three spaces). A price change that moves a total,
or a new warning, fails here until the comment follows.

One run of main.py synthesises every file, as `ENVIRONMENTS=examples,environments make synth` does, and the
annotations are read per stack from its stderr (`info: <stack>: ...`, `warning: <stack>: ...`). Each check is a
function over text, with a test on made-up text that shows it can fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from apps.vllm.serving import model_pools
from catalogue.machines import GpuModel
from spec.pools import PoolRole, node_pools
from tests.conftest import EXAMPLES, PROJECT_ROOT, SHIPPED_ENVIRONMENTS
from tests.support.terraform_tools import run_main
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=15)  # one main.py run over every shipped file

SHIPPED = [*EXAMPLES, *SHIPPED_ENVIRONMENTS]
POOL_EXAMPLES = [
    PROJECT_ROOT / "examples" / f"{prefix}-gpu-pools.yaml" for prefix in ("aws-eks", "google-gke", "azure-aks")
]

ENTRY = re.compile(r"^# (?P<key>cost at rest|warns): (?P<text>.*)$")
CONTINUATION = "#   "
WARNS = re.compile(r"^(?P<fields>[A-Za-z][\w.]*(?:, [A-Za-z][\w.]*)*) \((?P<why>.+)$")
DOLLARS = re.compile(r"\$(\d+\.\d{2})/h")

ANNOTATION = re.compile(r"^(?P<level>info|warning): (?P<stack>[a-z][a-z0-9-]*-(?:cluster|apps)): (?P<message>.*)$")
TOTAL_COST = re.compile(
    r"^cost: \$(?P<at_rest>\d+\.\d{2})/h at rest .*; on-demand list prices in (?P<region>\S+) "
    r"as of (?P<as_of>\d{4}-\d{2}-\d{2});"
)
UNPRICED_POOL = re.compile(r"^cost: \S+ pool \((?P<machine_type>[^)]+)\): no price in the catalogue")
UNPRICED_FEE = "; not included, no dated price: "


def ids(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


# --- The first comment


def first_comment(text: str) -> list[str]:
    """The `#` lines at the top of a file, up to its first other line."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def comment_entries(lines: list[str]) -> list[tuple[str, str]]:
    """(key, text) of each `cost at rest:` and `warns:` entry, with its continuation lines joined by spaces. An
    indented line after prose (a command the file says to run) belongs to no entry."""
    entries: list[tuple[str, str]] = []
    in_entry = False
    for line in lines:
        entry = ENTRY.match(line)
        if entry:
            entries.append((entry["key"], entry["text"].strip()))
            in_entry = True
        elif in_entry and line.startswith(CONTINUATION):
            key, text = entries[-1]
            entries[-1] = (key, f"{text} {line.removeprefix(CONTINUATION).strip()}")
        else:
            in_entry = False
    return entries


def named_warnings(entries: list[tuple[str, str]]) -> set[str]:
    """The fields the `warns:` entries name; an entry without a reason in parentheses names nothing (and fails)."""
    named: set[str] = set()
    for key, text in entries:
        if key != "warns":
            continue
        match = WARNS.match(text)
        if match is None:
            raise ValueError(f"'# warns: {text}' is not '<field>, ... (<why>)'")
        named.update(match["fields"].split(", "))
    return named


def warned_field(message: str) -> str:
    """What a warning is about: its first word, without a trailing colon."""
    return message.split(" ", 1)[0].removesuffix(":")


def warning_problems(warnings: list[str], named: set[str]) -> list[str]:
    """Warnings the comment does not name, and names that no longer warn."""
    warned = {warned_field(message) for message in warnings}
    unnamed = [
        f"warns, not named in the first comment: {message}"
        for message in warnings
        if warned_field(message) not in named
    ]
    stale = [f"named in the first comment, no longer warns: {name}" for name in sorted(named - warned)]
    return unnamed + stale


# --- The annotations synth prints


@dataclass(frozen=True)
class CostAtRest:
    """The cluster stack's cost plan, as its `cost:` info lines give it."""

    at_rest: str  # dollars per hour, two decimals
    region: str
    as_of: str
    unpriced: tuple[str, ...]  # machine types without a list price
    unpriced_fee: bool  # a fee of the cloud that no dated price covers


def parse_annotations(stderr: str) -> dict[str, list[tuple[str, str]]]:
    """(level, message) of every annotation main.py printed, by stack name."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in stderr.splitlines():
        annotation = ANNOTATION.match(line)
        if annotation:
            found.setdefault(annotation["stack"], []).append((annotation["level"], annotation["message"]))
    return found


def cost_at_rest(infos: list[str]) -> CostAtRest:
    totals = [match for info in infos if (match := TOTAL_COST.match(info))]
    if len(totals) != 1:
        raise ValueError(f"expected one total cost line among the info lines, found {len(totals)}: {infos}")
    total = totals[0]
    unpriced = [match["machine_type"] for info in infos if (match := UNPRICED_POOL.match(info))]
    return CostAtRest(
        at_rest=total["at_rest"],
        region=total["region"],
        as_of=total["as_of"],
        unpriced=tuple(dict.fromkeys(unpriced)),
        unpriced_fee=UNPRICED_FEE in total.string,
    )


def cost_problems(entries: list[tuple[str, str]], cost: CostAtRest) -> list[str]:
    """How the comment's `cost at rest:` entry differs from what synth computed."""
    stated = [text for key, text in entries if key == "cost at rest"]
    if len(stated) != 1:
        return [f"expected one '# cost at rest:' entry in the first comment, found {len(stated)}"]
    text = stated[0]
    problems = []
    figures = DOLLARS.findall(text)
    if figures != [cost.at_rest]:
        problems.append(f"states {figures}, synth says ${cost.at_rest}/h at rest")
    if cost.unpriced:
        missing = [machine_type for machine_type in cost.unpriced if machine_type not in text]
        wanted = ["no list price for", f" in {cost.region}: ", f"at least ${cost.at_rest}/h"]
        if missing or not all(words in text for words in wanted):
            problems.append(
                f"'{text}' should say: no list price for {', '.join(cost.unpriced)} in {cost.region}: "
                f"at least ${cost.at_rest}/h"
            )
    elif f"list prices, {cost.region}, as of {cost.as_of}" not in text:
        problems.append(f"'{text}' should say: list prices, {cost.region}, as of {cost.as_of}")
    if cost.unpriced_fee and "not included" not in text:
        problems.append(f"'{text}' should say which fee is not included (it has no dated price)")
    return problems


# --- The shipped files, synthesised once


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str]]]:
    """Every annotation of every shipped file's stacks, from one main.py run."""
    completed = run_main(SHIPPED, tmp_path_factory.mktemp("examples") / "out")
    return parse_annotations(completed.stderr)


def stack_messages(printed: dict[str, list[tuple[str, str]]], stack: str, level: str) -> list[str]:
    """The stack's messages of one level; a stack with none prints nothing (an apps stack may have none at all)."""
    return [message for found, message in printed.get(stack, []) if found == level]


def assert_synthesised(printed: dict[str, list[tuple[str, str]]], name: str) -> None:
    """Every cluster stack prints its capacity and cost lines, so one that printed nothing was not synthesised."""
    assert f"{name}-cluster" in printed, f"main.py printed nothing for {name}-cluster: was it synthesised?"


def name_of(path: Path) -> str:
    return load_environment_file(path).environment.name


def test_every_shipped_file_starts_with_a_comment_that_says_what_it_shows() -> None:
    for path in SHIPPED:
        comment = first_comment(path.read_text())
        assert comment, f"{ids(path)} has no first comment"
        assert not ENTRY.match(comment[0]), f"{ids(path)}: the first line should say what the file shows"


@pytest.mark.parametrize("path", SHIPPED, ids=ids)
def test_synthesises_with_no_warning_but_those_its_first_comment_names(
    path: Path, printed: dict[str, list[tuple[str, str]]]
) -> None:
    name = name_of(path)
    assert_synthesised(printed, name)
    warnings = [
        message
        for stack in (f"{name}-cluster", f"{name}-apps")
        for message in stack_messages(printed, stack, "warning")
    ]
    named = named_warnings(comment_entries(first_comment(path.read_text())))
    assert warning_problems(warnings, named) == []


@pytest.mark.parametrize("path", SHIPPED, ids=ids)
def test_the_first_comment_states_the_cost_at_rest_synth_computes(
    path: Path, printed: dict[str, list[tuple[str, str]]]
) -> None:
    name = name_of(path)
    assert_synthesised(printed, name)
    infos = stack_messages(printed, f"{name}-cluster", "info")
    cost = cost_at_rest([info for info in infos if info.startswith("cost: ")])
    assert cost_problems(comment_entries(first_comment(path.read_text())), cost) == []


# --- The GPU pool examples


def test_there_is_one_gpu_pool_example_per_cloud() -> None:
    clouds = {load_environment_file(path).environment.cloud.value for path in POOL_EXAMPLES}
    assert clouds == {"aws", "google", "azure"}


@pytest.mark.parametrize("path", POOL_EXAMPLES, ids=ids)
def test_a_pool_example_has_a_spot_and_an_on_demand_gpu_pool_with_a_model_on_each(path: Path) -> None:
    environment = load_environment_file(path).environment
    gpu_pools = [pool for pool in node_pools(environment) if pool.role is PoolRole.GPU]
    assert sorted(pool.spot for pool in gpu_pools) == [False, True]
    placed = model_pools(environment)
    assert sorted(pool.name for pool in placed.values()) == sorted(pool.name for pool in gpu_pools)
    (on_demand,) = [pool for pool in gpu_pools if not pool.spot]
    assert on_demand.gpu is not None
    assert (on_demand.gpu.tier.gpu_model, on_demand.gpu.tier.gpu_count) == (GpuModel.H100_80GB, 8)
    assert on_demand.min_nodes == 0, "an idle 8x H100 node costs tens of dollars an hour"


# --- Each check can fail, on made-up text

MADE_UP = """\
# EKS with a GPU node and a gated model.
#   aws secretsmanager create-secret --name hf-token
# cost at rest: $1.20/h (list prices, us-east-1, as of 2026-02-24)
# warns: endpointAccess.publicAccessCidrs (placeholder: your egress address as <ip>/32; make deploy refuses it
#   until you replace it)
# warns: apps.openfunction.enabled, apps.dapr.enabled (every app is on)
name: made-up
# a comment further down is not the first comment
"""


def test_the_first_comment_ends_at_the_first_other_line_and_entries_take_only_their_own_continuations() -> None:
    entries = comment_entries(first_comment(MADE_UP))
    assert entries == [
        ("cost at rest", "$1.20/h (list prices, us-east-1, as of 2026-02-24)"),
        (
            "warns",
            "endpointAccess.publicAccessCidrs (placeholder: your egress address as <ip>/32; make deploy refuses it "
            "until you replace it)",
        ),
        ("warns", "apps.openfunction.enabled, apps.dapr.enabled (every app is on)"),
    ]
    assert named_warnings(entries) == {
        "endpointAccess.publicAccessCidrs",
        "apps.openfunction.enabled",
        "apps.dapr.enabled",
    }


def test_a_warns_entry_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="is not"):
        named_warnings([("warns", "endpointAccess")])


def test_a_warning_is_named_by_its_first_word() -> None:
    assert warned_field("project is not set: both stacks use ...") == "project"
    assert warned_field("endpointAccess.publicAccessCidrs: 203.0.113.10/32 is a documentation range") == (
        "endpointAccess.publicAccessCidrs"
    )
    assert warned_field("apps.vllm.models with gpu.pools.1.minNodeCount: 0: the pool starts") == "apps.vllm.models"


def test_an_unnamed_warning_and_a_stale_name_are_reported() -> None:
    warnings = ["endpointAccess: the API endpoint is private", "project is not set: both stacks"]
    assert warning_problems(warnings, {"endpointAccess", "subscriptionId"}) == [
        "warns, not named in the first comment: project is not set: both stacks",
        "named in the first comment, no longer warns: subscriptionId",
    ]
    assert warning_problems(warnings, {"endpointAccess", "project"}) == []


MADE_UP_STDERR = """\
!! Node 20 is end-of-life !!
info: made-up-cluster: capacity: system pool (t3.medium): needs 13 pods
info: made-up-cluster: cost: system pool (e2-standard-2): $0.067/h per node on demand (1-10 nodes: $0.07-$0.67/h)
info: made-up-cluster: cost: gpu pool (n1-standard-4): no price in the catalogue for this region
info: made-up-cluster: cost: $0.11/h at rest (every pool at its minimum), $0.71/h at most (every pool at its maximum) \
(at least: no price for the gpu pool in us-east1); on-demand list prices in us-east1 as of 2026-07-30; fees included: \
Cloud NAT gateway: $0.045; disks not counted; not included, no dated price: GKE cluster management fee
warning: made-up-apps: endpointAccess: the API endpoint is private
"""


def test_the_annotations_and_the_cost_plan_are_read_per_stack() -> None:
    found = parse_annotations(MADE_UP_STDERR)
    assert sorted(found) == ["made-up-apps", "made-up-cluster"]
    assert found["made-up-apps"] == [("warning", "endpointAccess: the API endpoint is private")]
    infos = [message for level, message in found["made-up-cluster"] if level == "info" and message.startswith("cost")]
    assert cost_at_rest(infos) == CostAtRest("0.11", "us-east1", "2026-07-30", ("n1-standard-4",), unpriced_fee=True)


def test_a_cost_that_moved_or_hides_a_missing_price_is_reported() -> None:
    priced = CostAtRest("1.20", "us-east-1", "2026-02-24", (), unpriced_fee=False)
    assert cost_problems([("cost at rest", "$1.20/h (list prices, us-east-1, as of 2026-02-24)")], priced) == []
    assert cost_problems([("cost at rest", "$1.19/h (list prices, us-east-1, as of 2026-02-24)")], priced) == [
        "states ['1.19'], synth says $1.20/h at rest"
    ]
    assert cost_problems([], priced) == ["expected one '# cost at rest:' entry in the first comment, found 0"]
    unpriced = CostAtRest("0.11", "us-east1", "2026-07-30", ("n1-standard-4",), unpriced_fee=True)
    good = "no list price for n1-standard-4 (with its T4) in us-east1: at least $0.11/h (GKE's fee not included)"
    assert cost_problems([("cost at rest", good)], unpriced) == []
    assert cost_problems([("cost at rest", "$0.11/h (list prices, us-east1, as of 2026-07-30)")], unpriced) == [
        "'$0.11/h (list prices, us-east1, as of 2026-07-30)' should say: no list price for n1-standard-4 in "
        "us-east1: at least $0.11/h",
        "'$0.11/h (list prices, us-east1, as of 2026-07-30)' should say which fee is not included (it has no dated "
        "price)",
    ]
