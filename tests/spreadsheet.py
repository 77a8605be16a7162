"""Open a CSV file in LibreOffice Calc (headless) as a patient or doctor would, and save it."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

# LibreOffice's CSV filter tokens: separator, text delimiter ("), UTF-8 (76), first line 1,
# then the 8th "detect special numbers" (dates and times), the 11th "trim spaces" and the
# 13th "evaluate formulas", each as a patient may have them ticked when opening by hand.
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is missing: `make test` installs libreoffice-calc-nogui"
    return found


# Calc's language setting (Tools > Options > Languages > Locale setting), kept in its profile:
# it decides the decimal sign Calc reads and writes.
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
</oor:items>
"""


def _flag(on: bool) -> str:
    return "true" if on else ""


def _set_language(folder: Path, locale: str) -> None:
    user = folder / ".config/libreoffice/4/user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE.format(locale=locale))


def resave(path: Path, separator: str, folder: Path, **options) -> str:
    """Open path in Calc with the given separator and options, save it as CSV; return its text.

    The options are resave_all's.
    """
    return resave_all([path], separator, folder, **options)[path.name]


def resave_all(
    paths: list[Path],
    separator: str,
    folder: Path,
    *,
    detect_dates: bool = False,
    trim: bool = False,
    locale: str | None = None,
    charset: str = "76",
    save_separator: str = "comma",
    quote_text: bool = False,
) -> dict[str, str]:
    """Open each file in Calc with the given separator and options, save it as CSV (comma
    unless save_separator says otherwise; with quote_text, text cells quoted and numbers not);
    return each saved file's text by its name.

    locale sets Calc's language (e.g. de-DE); charset "SYSTEM" is Calc's default import.
    One Calc opens and saves the files one after the other, as a person would in one
    sitting: starting Calc takes most of the time of a file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if locale:
        _set_language(folder, locale)
    tokens = (
        f"{SEPARATORS[separator]},34,{charset},1,,,,{_flag(detect_dates)},,,{_flag(trim)},,true"
    )
    saved = f"{SEPARATORS[save_separator]},34,76,1,,,{_flag(quote_text)}"
    subprocess.run(
        [
            soffice(),
            "--headless",
            "--norestore",
            f"--infilter=CSV:{tokens}",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{saved}",
            "--outdir",
            str(folder),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        # LibreOffice keeps a profile in $HOME; a private one per test run.
        env={**os.environ, "HOME": str(folder)},
    )
    return {path.name: (folder / path.name).read_text(encoding="utf-8") for path in paths}


def open_and_save(path: Path, separator: str, folder: Path, **options) -> list[list[str]]:
    """Open path with the given separator, save it as comma CSV, and return its cells."""
    text = resave(path, separator, folder, **options)
    return list(csv.reader(io.StringIO(text, newline="")))
