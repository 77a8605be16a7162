"""A large export imports in bounded memory: the file is read and checked a chunk at a time."""

import pytest

from bench.large_exports import run_diary, write_export

ROWS = 40_000
# Before streaming, 200,000 rows took 480 MB more than a small file (about 2.4 KB a row);
# a chunk at a time, the command needs a few MB more whatever the size.
GROWTH_LIMIT_MB = 40


@pytest.mark.parametrize("format_code", ["headi", "headache_companion"])
def test_a_large_export_needs_no_more_memory_than_a_small_one(tmp_path, format_code):
    peaks, outputs = {}, {}
    for rows in (200, ROWS):
        instance, folder = tmp_path / f"instance-{rows}", tmp_path / f"export-{rows}"
        folder.mkdir()
        path = write_export(folder, format_code, rows)
        run_diary(
            instance, "user", "create", "alice", "--password-stdin", given="an import password\n"
        )
        _, peaks[rows], outputs[rows] = run_diary(
            instance, "import", str(path), "--user", "alice", "--unlisted-class", "other"
        )
    # Every attack has its medicine (and is an attack with a reading of its pain).
    assert f"Medicines to add: {ROWS}" in outputs[ROWS]
    assert f"and {ROWS} medicines." in outputs[ROWS]
    growth = peaks[ROWS] - peaks[200]
    assert growth < GROWTH_LIMIT_MB, f"{growth:.0f} MB more for {ROWS} rows than for 200"
