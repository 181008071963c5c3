"""``kefu demo``: sample data on every screen, one small module per area (see run.py)."""

from shared.devstack.demo.publish import ce_id_of
from shared.devstack.demo.run import run_demo
from shared.devstack.demo.vouchers import build_sample

__all__ = ["build_sample", "ce_id_of", "run_demo"]
