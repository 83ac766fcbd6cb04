import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The whole session keeps awaitwise's per-user cache secret (see awaitwise.cache.user_secret) in a
# private folder, set before any test runs or starts a subprocess (which inherits it): the tests
# never read or write the real ~/.cache.
_USER_CACHE = tempfile.mkdtemp(prefix="awaitwise-tests-xdg-")
os.environ["XDG_CACHE_HOME"] = _USER_CACHE
atexit.register(shutil.rmtree, _USER_CACHE, True)

# The environment whose installed packages awaitwise summarises (awaitwise.environment) is, by
# default, the active virtualenv or the running interpreter: here an empty one, so that no test
# depends on what happens to be installed beside pytest. Tests of library summaries build their
# own environment (tests/library_support.py) and name it.
_EMPTY_ENV = os.path.join(_USER_CACHE, "empty-env")
os.makedirs(os.path.join(_EMPTY_ENV, "lib"), exist_ok=True)
with open(os.path.join(_EMPTY_ENV, "pyvenv.cfg"), "w") as _fh:
    _fh.write("include-system-site-packages = false\n")
os.environ["VIRTUAL_ENV"] = _EMPTY_ENV
