"""`make unlock`: release the state lock a killed run left behind (cdktf has no unlock command).

Usage: python -m operations.unlock <stack folder> <lock ID>  (the folder `cdktf deploy` initialised, e.g.
cdktf.out/stacks/dev-cluster; the ID from the `Error acquiring the state lock` message).
It runs Terraform's `force-unlock` there, in the stack's own workspace. Exit 0: released; 1: Terraform refused (its
reason in one line, e.g. no lock with that ID); 2: bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from operations import terraform


def unlock(stack_dir: Path, lock_id: str) -> None:
    """Releases the lock; TerraformFailed says why not."""
    # -force: no confirmation prompt; the user decided when they copied the ID from the lock error.
    terraform.run(stack_dir, "force-unlock", "-force", lock_id)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].strip():
        print("usage: python -m operations.unlock <stack folder> <lock ID>", file=sys.stderr)
        return 2
    stack_dir, lock_id = Path(argv[1]), argv[2].strip()
    if not (stack_dir / terraform.CONFIG_FILE).is_file():
        print(
            f"error: {stack_dir / terraform.CONFIG_FILE}: not found; name the folder `cdktf deploy` used",
            file=sys.stderr,
        )
        return 2
    try:
        unlock(stack_dir, lock_id)
    except terraform.TerraformFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"released the state lock {lock_id} of {stack_dir.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
