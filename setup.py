"""Packaging hook: the wheel carries the layouts and assets that `gazette new site` copies.

They live at the top of the repository, where a site keeps its own; setuptools' package data
cannot reach outside the package folder, so `build_py` copies them into the built package as
gazette_build/starter/ (the metadata is in pyproject.toml).
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

STARTER = ("layouts", "assets")  # copied by `gazette new site`


class BuildWithStarter(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        for folder in STARTER:
            shutil.copytree(here / folder, Path(self.build_lib, "gazette_build", "starter", folder),
                            dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithStarter})
