"""Synth speed and memory on this machine: prints figures, asserts nothing (`make bench`).

Each case runs `main.py` in a fresh process, once with the trimmed provider imports (the product) and
once with the provider packages imported as shipped (baseline), and reports wall time and the peak
resident memory of the whole process tree (Python + the jsii Node process), sampled from /proc.
Then it splits the time into start-up and cost per added environment, and counts the jsii round trips
(Python -> Node -> Python) behind that per-environment cost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.yaml"))
SAMPLE_SECONDS = 0.05
CLOUD_ROTATION = ("aws", "google", "azure")
ADDED_ENVIRONMENTS = 30 - 1  # the 30-environment runs against the 1-environment runs


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mib: float


def _tree_rss_kib(root: int) -> int:
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def synth_environment(paths: list[Path], outdir: str, *, eager: bool) -> dict[str, str]:
    """A synth child's environment; NODE_OPTIONS is dropped so the child chooses its own Node preload."""
    return {
        **{key: value for key, value in os.environ.items() if key != "NODE_OPTIONS"},
        "ENVIRONMENTS": ",".join(str(path) for path in paths),
        "CDKTF_OUTDIR": outdir,
        "GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS": "1" if eager else "0",
    }


def measure(paths: list[Path], *, eager: bool) -> Measurement:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "main.py")],
            cwd=PROJECT_ROOT,
            env=synth_environment(paths, outdir, eager=eager),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"synth failed for {paths}: {process.stderr.read().decode() if process.stderr else ''}")
        return Measurement(seconds, peak / 1024)


def generated_environments(folder: Path, count: int, clouds: tuple[str, ...] = CLOUD_ROTATION) -> list[Path]:
    """`count` small GPU environments, the clouds taken in turn."""
    paths = []
    for index in range(count):
        cloud = clouds[index % len(clouds)]
        path = folder / f"gen-{cloud}-{index:02d}.yaml"
        path.write_text(
            f"name: gen-{cloud}-{index:02d}\ncloud: {cloud}\n"
            "gpu: {enabled: true}\napps: {nvidia: {enabled: true}, vllm: {enabled: true}}\n"
        )
        paths.append(path)
    return paths


@dataclass(frozen=True)
class JsiiCalls:
    seconds: float
    round_trips: int
    node_seconds: float  # Python waiting for the Node process's answers


def count_jsii_calls(paths: list[Path]) -> JsiiCalls:
    """Synthesises `paths` (optimised) in a child that counts and times jsii's round trips to Node."""
    with tempfile.TemporaryDirectory() as outdir:
        report = Path(outdir) / "jsii-calls.json"
        subprocess.run(
            [sys.executable, __file__, "--count-jsii-calls", str(report)],
            cwd=PROJECT_ROOT,
            env=synth_environment(paths, outdir, eager=False),
            stdout=subprocess.DEVNULL,
            check=True,
        )
        return JsiiCalls(**json.loads(report.read_text()))


def _synth_counting_jsii_calls(report: Path) -> None:
    """Child side of count_jsii_calls: wraps jsii's private pipe to Node (bench only, never the product)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    import lazy_provider_imports

    # Before jsii is imported to be wrapped; main.main()'s own install() then finds it in place.
    lazy_provider_imports.install()
    from jsii._kernel.providers.process import _NodeProcess

    send, next_message = _NodeProcess.send, _NodeProcess._next_message
    totals = {"round_trips": 0, "node_seconds": 0.0}

    def counted_send(self: _NodeProcess, *args: object) -> object:
        totals["round_trips"] += 1
        return send(self, *args)  # type: ignore[arg-type]

    def timed_next_message(self: _NodeProcess) -> object:
        started = time.perf_counter()
        try:
            return next_message(self)
        finally:
            totals["node_seconds"] += time.perf_counter() - started

    setattr(_NodeProcess, "send", counted_send)  # noqa: B010 -- assigning a method on purpose
    setattr(_NodeProcess, "_next_message", timed_next_message)  # noqa: B010
    import main

    started = time.perf_counter()
    if main.main() != 0:
        raise SystemExit("synth failed")
    report.write_text(json.dumps({"seconds": time.perf_counter() - started, **totals}))


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"{'case':<34}{'optimised s':>12}{'peak MiB':>10}{'baseline s':>12}{'peak MiB':>10}{'ratio':>8}")
    results: dict[str, tuple[Measurement, Measurement]] = {}

    def row(name: str, paths: list[Path]) -> None:
        optimised, baseline = measure(paths, eager=False), measure(paths, eager=True)
        results[name] = (optimised, baseline)
        ratio = baseline.seconds / optimised.seconds
        print(
            f"{name:<34}{optimised.seconds:>12.2f}{optimised.peak_mib:>10.0f}"
            f"{baseline.seconds:>12.2f}{baseline.peak_mib:>10.0f}{ratio:>7.1f}x",
            flush=True,
        )

    measure(EXAMPLES[:1], eager=False)  # warm the jsii package cache and the OS file cache
    for example in EXAMPLES:
        row(f"example {example.stem}", [example])
    row(f"all {len(EXAMPLES)} examples", EXAMPLES)
    with tempfile.TemporaryDirectory() as folder:
        for count in (1, 10, 30):
            row(f"{count} generated environments", generated_environments(Path(folder), count))
        aws_only = {count: generated_environments(Path(folder), count, ("aws",)) for count in (1, 30)}
        for count, paths in aws_only.items():
            row(f"{count} generated AWS environments", paths)
        calls = {count: count_jsii_calls(paths) for count, paths in aws_only.items()}

    everything = results[f"all {len(EXAMPLES)} examples"]
    print()
    print(
        f"all examples: {everything[0].seconds:.2f} s, {everything[0].peak_mib:.0f} MiB (targets: <= 8 s, <= 1536 MiB)"
    )
    print(f"baseline / optimised, all examples: {everything[1].seconds / everything[0].seconds:.1f}x (target >= 5x)")
    print()
    print("30 environments vs 1 (target: 30 <= 1.5x the time of 1):")
    for series in ("generated environments", "generated AWS environments"):
        for path, column in (("optimised", 0), ("baseline", 1)):
            one, thirty = results[f"1 {series}"][column], results[f"30 {series}"][column]
            per_added = (thirty.seconds - one.seconds) / ADDED_ENVIRONMENTS
            print(
                f"  {series + ',':<28}{path:<10} 1: {one.seconds:6.2f} s   30: {thirty.seconds:6.2f} s   "
                f"= {thirty.seconds / one.seconds:4.2f}x   per added environment {per_added:.3f} s"
            )
    added = (calls[30].round_trips - calls[1].round_trips) / ADDED_ENVIRONMENTS
    node = (calls[30].node_seconds - calls[1].node_seconds) / ADDED_ENVIRONMENTS
    python = calls[30].seconds - calls[30].node_seconds - calls[1].seconds + calls[1].node_seconds
    python /= ADDED_ENVIRONMENTS
    print()
    print("per added AWS environment, optimised, jsii round trips counted in a separate run:")
    print(
        f"  {added:.0f} round trips (1 environment: {calls[1].round_trips}, 30: {calls[30].round_trips}); "
        f"{node * 1000:.0f} ms waiting on Node + {python * 1000:.0f} ms in Python "
        f"= {(node + python) / added * 1000:.2f} ms per round trip"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--count-jsii-calls"]:
        _synth_counting_jsii_calls(Path(sys.argv[2]))
    else:
        main()
