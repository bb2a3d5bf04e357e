# Fixtures of the Python module's tests: the checkout, the built CLI (to compare with), the demo.
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("RECLINK_SOURCE_DIR", Path(__file__).resolve().parents[2]))
DEMO = ROOT / "datasets" / "demo"


@pytest.fixture(scope="session")
def cli():
    """Runs the built reclink binary (RECLINK_BINARY, set by ctest; else build/reclink)."""
    binary = os.environ.get("RECLINK_BINARY", str(ROOT / "build" / "reclink"))

    def run(*args, check=True):
        p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"reclink {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
        return p
    return run


@pytest.fixture(scope="session")
def demo_csv():
    return DEMO / "customers.csv"


@pytest.fixture(scope="session")
def demo_rules():
    return DEMO / "rules.toml"
