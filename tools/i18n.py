"""Translation upkeep: extract UI strings into the .ts source, compile the shipped .qm, check both.

    python tools/i18n.py update [--drop-obsolete]  crm_desktop/ui/**/*.py → resources/i18n/*.ts
    python tools/i18n.py fill                      resources/i18n/pending/*.json → the zh_CN .ts
    python tools/i18n.py compile                   resources/i18n/*.ts → crm_desktop/ui/i18n/*.qm
    python tools/i18n.py check                     exit 1 listing unfinished, missing or obsolete
                                                   translations, or a .qm that is out of date

``update`` keeps every existing translation; strings gone from the code stay in the .ts marked
"vanished" (so a translator can reuse them) until ``update --drop-obsolete``.

``fill`` lets several people translate at once without editing the .ts by hand: each writes
``resources/i18n/pending/<topic>.json`` as ``{"Context|source text": "译文", ...}``; fill puts
those translations into the zh_CN .ts (replacing unfinished ones), then lupdate rewrites the
file in its own layout. Run the tools under one lock, in order::

    flock resources/i18n/.lock python tools/i18n.py update
    flock resources/i18n/.lock python tools/i18n.py fill
    flock resources/i18n/.lock python tools/i18n.py compile
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "crm_desktop" / "ui"
TS_DIR = ROOT / "resources" / "i18n"
QM_DIR = UI_DIR / "i18n"
CATALOGUE = "crm_desktop"
LANGUAGES = ("zh_CN",)
PENDING_DIR = TS_DIR / "pending"
PENDING_LANGUAGE = "zh_CN"  # the pending files hold Simplified Chinese


def ts_path(language: str) -> Path:
    return TS_DIR / f"{CATALOGUE}_{language}.ts"


def qm_path(language: str) -> Path:
    return QM_DIR / f"{CATALOGUE}_{language}.qm"


def tool(name: str) -> str:
    """A Qt tool from the running environment (the venv's bin folder first, then PATH)."""
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"i18n: {name} not found; install PySide6 (it ships {name})")
    return found


def sources() -> list[Path]:
    return sorted(p for p in UI_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def update(*, drop_obsolete: bool = False) -> None:
    TS_DIR.mkdir(parents=True, exist_ok=True)
    files = [str(p.relative_to(ROOT)) for p in sources()]
    for language in LANGUAGES:
        command = [tool("pyside6-lupdate"), *files, "-locations", "relative"]
        command += ["-source-language", "en", "-target-language", language]
        if drop_obsolete:
            command.append("-no-obsolete")
        command += ["-ts", str(ts_path(language).relative_to(ROOT))]
        subprocess.run(command, cwd=ROOT, check=True)


def pending_translations(folder: Path = PENDING_DIR) -> dict[str, str]:
    """Every ``"Context|source": "translation"`` of the pending files (later files win); a file
    may also group them by context: ``{"Context": {"source": "translation"}}``."""
    table: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"i18n: cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise SystemExit(f"i18n: {path} must hold one JSON object")
        flat: dict[str, object] = {}
        for key, value in data.items():
            if isinstance(value, dict):
                flat.update({f"{key}|{source}": text for source, text in value.items()})
            else:
                flat[key] = value
        for key, value in flat.items():
            if not isinstance(value, str) or "|" not in key:
                raise SystemExit(f"i18n: {path}: bad entry {key!r}")
            table[key] = value
    return table


def fill_ts(path: Path, table: dict[str, str]) -> tuple[int, set[str]]:
    """Put ``table``'s translations into the .ts at ``path``; returns how many messages were
    filled or changed and the keys the .ts does not have (run ``update`` first)."""
    tree = ET.parse(path)
    used: set[str] = set()
    changed = 0
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            key = f"{name}|{message.findtext('source') or ''}"
            if key not in table:
                continue
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            if translation.get("type") in ("obsolete", "vanished"):
                continue
            used.add(key)
            text = table[key]
            if message.get("numerus") == "yes":
                forms = list(translation.iter("numerusform"))
                old = [f.text for f in forms]
                for form in forms:
                    translation.remove(form)
                ET.SubElement(translation, "numerusform").text = text  # Chinese: one form
                done = old == [text]
            else:
                done = translation.text == text
                translation.text = text
            if translation.get("type") == "unfinished":
                del translation.attrib["type"]
                done = False
            changed += not done
    if changed:
        body = ET.tostring(tree.getroot(), encoding="unicode")
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
            encoding="utf-8",
        )
    return changed, set(table) - used


def fill() -> int:
    table = pending_translations()
    path = ts_path(PENDING_LANGUAGE)
    changed, unused = fill_ts(path, table)
    if changed:
        update()  # lupdate writes the file back in its own layout
    print(f"i18n: {changed} translation(s) filled into {path.relative_to(ROOT)}")
    for key in sorted(unused):
        print(f"i18n: not in the .ts (code changed, or run 'update' first): {key}")
    return 0


def compile_qm(language: str, out: Path) -> None:
    """lrelease one language's .ts into ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", str(ts_path(language)), "-qm", str(out)],
        cwd=ROOT,
        check=True,
    )


def compile_all() -> None:
    for language in LANGUAGES:
        compile_qm(language, qm_path(language))
        print(f"i18n: wrote {qm_path(language).relative_to(ROOT)}")


@dataclass(frozen=True)
class Problem:
    language: str
    context: str
    source: str
    kind: str  # unfinished | missing | obsolete | vanished | stale-qm | no-qm

    def __str__(self) -> str:
        where = f"[{self.context}] {self.source!r}" if self.source else self.context
        return f"{self.language}: {self.kind}: {where}"


def ts_problems(path: Path, language: str) -> list[Problem]:
    """What is untranslated or obsolete in one .ts file."""
    problems: list[Problem] = []
    tree = ET.parse(path)
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None:
                problems.append(Problem(language, name, source, "missing"))
                continue
            kind = translation.get("type")
            if kind in ("unfinished", "obsolete", "vanished"):
                problems.append(Problem(language, name, source, kind))
                continue
            forms = [f.text or "" for f in translation.iter("numerusform")]
            text = "".join(forms) if forms else (translation.text or "")
            if not text.strip():
                problems.append(Problem(language, name, source, "missing"))
    return problems


def check() -> list[Problem]:
    problems: list[Problem] = []
    for language in LANGUAGES:
        path = ts_path(language)
        if not path.exists():
            problems.append(Problem(language, str(path.relative_to(ROOT)), "", "missing"))
            continue
        problems += ts_problems(path, language)
        shipped = qm_path(language)
        if not shipped.exists():
            problems.append(Problem(language, str(shipped.relative_to(ROOT)), "", "no-qm"))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / shipped.name
            compile_qm(language, fresh)
            if not filecmp.cmp(fresh, shipped, shallow=False):
                problems.append(Problem(language, str(shipped.relative_to(ROOT)), "", "stale-qm"))
    problems += untracked_strings()
    return problems


def untracked_strings() -> list[Problem]:
    """Strings in the code that the .ts does not hold yet (``update`` was not run)."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.ts"
        files = [str(p.relative_to(ROOT)) for p in sources()]
        subprocess.run(
            [tool("pyside6-lupdate"), "-silent", *files, "-locations", "none", "-ts", str(probe)],
            cwd=ROOT,
            check=True,
        )
        wanted = _messages(probe)
    for language in LANGUAGES:
        path = ts_path(language)
        if not path.exists():
            continue
        have = _messages(path, include_obsolete=False)
        problems += [
            Problem(language, context, source, "not-extracted")
            for context, source in sorted(wanted - have)
        ]
    return problems


def _messages(path: Path, *, include_obsolete: bool = True) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else None
            if not include_obsolete and kind in ("obsolete", "vanished"):
                continue
            found.add((name, message.findtext("source") or ""))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="extract strings from crm_desktop/ui into the .ts files")
    up.add_argument("--drop-obsolete", action="store_true", help="remove vanished strings")
    sub.add_parser("fill", help="fill translations from resources/i18n/pending/*.json")
    sub.add_parser("compile", help="compile the .ts files into the shipped .qm files")
    sub.add_parser("check", help="fail on unfinished, missing or obsolete translations")
    args = parser.parse_args(argv)
    if args.command == "update":
        update(drop_obsolete=args.drop_obsolete)
        return 0
    if args.command == "fill":
        return fill()
    if args.command == "compile":
        compile_all()
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"i18n: {len(problems)} problem(s); translate them in the .ts, then run "
            "'python tools/i18n.py compile'",
            file=sys.stderr,
        )
        return 1
    print("i18n: all strings translated; .qm files up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
