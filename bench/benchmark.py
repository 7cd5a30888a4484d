"""Synth speed and memory on this machine: prints figures, asserts nothing (`make bench`).

Each case runs `main.py` in a fresh process, once with the trimmed provider imports (the product) and
once with the provider packages imported as shipped (baseline), and reports wall time and the peak
resident memory of the whole process tree (Python + the jsii Node process), sampled from /proc.
"""

from __future__ import annotations

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


def measure(paths: list[Path], *, eager: bool) -> Measurement:
    with tempfile.TemporaryDirectory() as outdir:
        environment = {
            **{key: value for key, value in os.environ.items() if key != "NODE_OPTIONS"},
            "ENVIRONMENTS": ",".join(str(path) for path in paths),
            "CDKTF_OUTDIR": outdir,
            "GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS": "1" if eager else "0",
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "main.py")],
            cwd=PROJECT_ROOT,
            env=environment,
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


def generated_environments(folder: Path, count: int) -> list[Path]:
    """`count` small GPU environments, the clouds taken in turn."""
    paths = []
    for index in range(count):
        path = folder / f"gen-{index:02d}.yaml"
        path.write_text(
            f"name: gen-{index:02d}\ncloud: {CLOUD_ROTATION[index % 3]}\n"
            "gpu: {enabled: true}\napps: {nvidia: {enabled: true}, vllm: {enabled: true}}\n"
        )
        paths.append(path)
    return paths


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

    everything = results[f"all {len(EXAMPLES)} examples"]
    one, thirty = results["1 generated environments"][0], results["30 generated environments"][0]
    print()
    print(
        f"all examples: {everything[0].seconds:.2f} s, {everything[0].peak_mib:.0f} MiB (targets: <= 8 s, <= 1536 MiB)"
    )
    print(f"baseline / optimised, all examples: {everything[1].seconds / everything[0].seconds:.1f}x (target >= 5x)")
    print(f"30 environments / 1 environment: {thirty.seconds / one.seconds:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
