# Builds the Python module for pip: configures reclink with CMake in build-python/ (Release, no
# tests or benchmarks), builds the _reclink target and puts the extension into the package.
# `pip install --no-build-isolation .` (docs/python.md); CMAKE_ARGS adds configure arguments.
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = ROOT / "build-python"
        args = ["-DCMAKE_BUILD_TYPE=Release", "-DRECLINK_BUILD_TESTS=OFF", "-DRECLINK_BUILD_BENCH=OFF",
                "-DRECLINK_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"]
        env = dict(os.environ)
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        if shutil.which("ccache"):
            args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
            env.setdefault("CCACHE_BASEDIR", str(ROOT))
        args += os.environ.get("CMAKE_ARGS", "").split()
        # Configured on every build: the interpreter (a venv's, say) may differ from the last one,
        # or be gone; a configure over an existing cache is quick.
        if (build_dir / "CMakeCache.txt").exists():
            args = [a for a in args if a not in ("-G", "Ninja")]  # the generator is fixed by the cache
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), *args], check=True, env=env)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_reclink", "-j", str(os.cpu_count() or 1)],
                       check=True, env=env)
        built = build_dir / "python" / "reclink" / Path(self.get_ext_filename(ext.name)).name
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    packages=["reclink"],
    package_dir={"": "python"},
    ext_modules=[Extension("reclink._reclink", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
