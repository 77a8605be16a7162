"""Open a CSV file in LibreOffice Calc (headless) as a patient or doctor would, and save it."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

# LibreOffice's CSV filter tokens: separator, text delimiter ("), UTF-8 (76), first line 1,
# and, in the 13th token, "evaluate formulas" on, as a spreadsheet opened by hand does.
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is missing: `make test` installs libreoffice-calc-nogui"
    return found


def open_and_save(path: Path, separator: str, folder: Path) -> list[list[str]]:
    """Open path with the given separator, save it as comma CSV, and return its cells."""
    folder.mkdir(parents=True, exist_ok=True)
    sep = SEPARATORS[separator]
    subprocess.run(
        [
            soffice(),
            "--headless",
            "--norestore",
            f"--infilter=CSV:{sep},34,76,1,,,,,,,,,true",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(folder),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        # LibreOffice keeps a profile in $HOME; a private one per test run.
        env={**os.environ, "HOME": str(folder)},
    )
    text = (folder / path.name).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))
