"""bench.load migrates the voucher schema of the source tree a run measures (``--code``), so a
"before" run's services meet their own schema, not the benchmark tree's."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import datagen
from bench.load import ROOT, fingerprint, migration_folders


def test_the_schema_is_the_measured_trees_own(tmp_path: Path) -> None:
    for _, folder in migration_folders():
        shutil.copytree(folder, tmp_path / folder.relative_to(ROOT))
    folders = dict(migration_folders(tmp_path))
    assert folders == {
        "shared": tmp_path / "shared" / "db" / "migrations",
        "voucher": tmp_path / "services" / "voucher" / "migrations",
    }
    shape = datagen.Shape(1000)
    assert fingerprint(shape, tmp_path) == fingerprint(shape)  # the same migrations
    (folders["voucher"] / "9999_only_in_this_tree.sql").write_text("SELECT 1;\n")
    assert fingerprint(shape, tmp_path) != fingerprint(shape)  # reloaded for that tree
