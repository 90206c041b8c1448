"""Build hook: ship the top-level ``instruments/`` folder inside the wheel.

The instrument YAML files live in ``instruments/`` at the repository root (design card
layout). A regular wheel build copies them to ``loyaltyscope/instruments/`` in the build
tree, where :func:`loyaltyscope.load_instrument` finds them with ``importlib.resources``.
An editable install (``pip install -e .``) needs no copy: the loader also looks in the
source checkout. Everything else is configured in ``pyproject.toml``.
"""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_instruments(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        src = Path(__file__).resolve().parent / "instruments"
        dest = Path(self.build_lib) / "loyaltyscope" / "instruments"
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.glob("*.yaml")) + [src / "SCHEMA.md"]:
            if f.is_file():
                shutil.copy2(f, dest / f.name)


setup(cmdclass={"build_py": build_py_with_instruments})
