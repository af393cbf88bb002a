"""Build the one-folder app with PyInstaller, check it with its own --self-test, and on Windows
wrap it in the Inno Setup installer (DESIGN §14).

    pip install -e .[build]                 # PyInstaller (this script installs nothing)
    python installer/build.py               # dist/crm-desktop/ + its self-test
    python installer/build.py --installer   # Windows: also dist/crm-desktop-<version>-setup.exe

The installer is built when Inno Setup's ISCC.exe is found (PATH, or its usual install folders)
or when --installer asks for it (then a missing ISCC.exe is an error). Exit code 0 only when
every step worked.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "crm-desktop.spec"
ISS = ROOT / "installer" / "crm-desktop.iss"
ICON = ROOT / "resources" / "icons" / "app.ico"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "crm-desktop"
WINDOWS = sys.platform == "win32"
SELF_TEST_TIMEOUT_S = 300


def package_version() -> str:
    text = (ROOT / "crm_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("build: crm_desktop/__init__.py has no __version__")
    return match.group(1)


def numeric_version(version: str) -> str:
    """Four numbers for the Windows version resource: 0.1.0 → 0.1.0.0, 1.2.0rc1 → 1.2.0.0."""
    release = re.match(r"[\d.]+", version)
    numbers = [int(n) for n in (release.group(0) if release else "").split(".") if n][:4]
    return ".".join(str(n) for n in [*numbers, 0, 0, 0, 0][:4])


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def build_bundle(clean: bool) -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit(
            "build: PyInstaller is missing; install the build extra: pip install -e .[build]"
        ) from None
    if not ICON.is_file():
        subprocess.run([sys.executable, str(ROOT / "installer" / "make_icon.py")], check=True)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
    ]
    if clean:
        command.append("--clean")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return time.perf_counter() - started


def executable(name: str) -> Path:
    return BUNDLE / (f"{name}.exe" if WINDOWS else name)


def run_self_test(program: Path) -> bool:
    """The bundle's own --self-test in a private home and temp folder; prints its line."""
    with tempfile.TemporaryDirectory(prefix="crm-desktop-build-") as tmp:
        env = dict(os.environ, CRM_DESKTOP_HOME=str(Path(tmp) / "home"))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        for name in ("TMPDIR", "TEMP", "TMP"):
            env[name] = tmp
        started = time.perf_counter()
        try:
            out = subprocess.run(
                [str(program), "--self-test"],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                timeout=SELF_TEST_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"{program.name} --self-test: no answer after {SELF_TEST_TIMEOUT_S} s")
            return False
        wall = time.perf_counter() - started
        # A windowed Windows executable has no stdout: its line is in the temp folder's file.
        result_file = Path(tmp) / "crm-desktop-self-test.txt"
        line = out.stdout.strip() or (
            result_file.read_text(encoding="utf-8").strip() if result_file.is_file() else ""
        )
    shown = line or "(no output)"
    print(f"{program.name} --self-test → {shown} [exit {out.returncode}, {wall:.1f} s]")
    if out.returncode != 0 and out.stderr.strip():
        print(out.stderr.strip(), file=sys.stderr)
    return out.returncode == 0 and ": ok (" in line


def find_iscc(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return Path(found)
    for base in (
        os.environ.get("PROGRAMFILES(X86)"),  # Windows environment names ignore case
        os.environ.get("PROGRAMFILES"),
        os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs"),
    ):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.is_file():
                return candidate
    return None


def build_installer(iscc: Path, version: str) -> Path:
    command = [
        str(iscc),
        f"/DAppVersion={version}",
        f"/DAppNumericVersion={numeric_version(version)}",
        f"/DBundleDir={BUNDLE}",
        f"/DOutputDir={DIST}",
        str(ISS),
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    return DIST / f"crm-desktop-{version}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--installer",
        action="store_true",
        help="build the Inno Setup installer (Windows); an error when ISCC.exe is missing",
    )
    parser.add_argument("--no-installer", action="store_true", help="never run Inno Setup")
    parser.add_argument("--iscc", metavar="PATH", help="the ISCC.exe to use")
    parser.add_argument("--skip-self-test", action="store_true", help="do not run the bundle")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = parser.parse_args(argv)

    version = package_version()
    step(f"PyInstaller: crm-desktop {version} → {BUNDLE.relative_to(ROOT)}")
    seconds = build_bundle(args.clean)
    size_mb = folder_size(BUNDLE) / 1e6
    print(f"built in {seconds:.0f} s; {size_mb:.0f} MB in {BUNDLE.relative_to(ROOT)}")

    if not args.skip_self_test:
        step("self-test of the bundle")
        programs = (
            [executable("crm-desktop-cli"), executable("crm-desktop")]
            if WINDOWS
            else [executable("crm-desktop")]
        )
        if not all([run_self_test(program) for program in programs]):
            print("build: the bundle's self-test failed", file=sys.stderr)
            return 1

    if args.no_installer:
        return 0
    iscc = find_iscc(args.iscc)
    if iscc is None:
        if args.installer:
            print(
                "build: Inno Setup's ISCC.exe not found; install Inno Setup 6.3 or newer "
                "or pass --iscc PATH",
                file=sys.stderr,
            )
            return 1
        if WINDOWS:
            print("no ISCC.exe: skipping the installer (install Inno Setup 6 to build it)")
        return 0
    step(f"Inno Setup: {ISS.relative_to(ROOT)}")
    setup = build_installer(iscc, version)
    print(f"installer: {setup} ({setup.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
