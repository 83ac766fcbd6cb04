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
