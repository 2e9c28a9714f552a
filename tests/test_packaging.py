"""pyproject.toml and environment.yml describe the same environment; CI runs the README's command."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_dependencies() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(_split(spec) for spec in project["dependencies"])


def _environment_pip_dependencies() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+- ([A-Za-z0-9_.\-\[\]]+\s*(?:~=|==|>=)[^\s#]+)", line)
        if match:
            name, spec = _split(match.group(1))
            pins[name] = spec
    return pins


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", spec.strip())
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_pins_exactly_the_pyproject_dependencies():
    assert _environment_pip_dependencies() == _pyproject_dependencies()


def test_environment_yml_uses_python_3_11():
    assert re.search(r"^\s+- python=3\.11$", (ROOT / "environment.yml").read_text(), re.M)


def test_dependencies_use_compatible_release_pins():
    loose = {name: spec for name, spec in _pyproject_dependencies().items() if not spec.startswith("~=")}
    assert loose == {}, f"pin these with ~= (compatible release): {loose}"


def test_every_dependency_is_installed_at_a_pinned_version():
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet

    for name, spec in _pyproject_dependencies().items():
        installed = version(name)
        assert installed in SpecifierSet(spec), f"{name} {installed} does not satisfy {spec}"


def test_the_course_command_is_declared():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["course"] == "course.cli:main"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = "COURSE_MODE=ci .venv/bin/python -m pytest"
    assert command in readme
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def test_package_code_never_names_the_shared_folder():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "course").rglob("*.py")
        if "shared/" in path.read_text() or "../shared" in path.read_text()
    ]
    assert offenders == []


def test_the_wheel_carries_the_chinese_message_catalogue(tmp_path):
    """A non-editable install (`pip install .`) must speak Chinese too: the catalogue is package data."""
    import shutil
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "source"  # a copy, so the build's own build/ folder does not land in the checkout
    shutil.copytree(ROOT / "course", source / "course", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "wheel"),
                    str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("course-*.whl")
    assert "course/locale/zh/LC_MESSAGES/course.po" in zipfile.ZipFile(wheel).namelist()
