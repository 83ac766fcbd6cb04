import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The cache's per-user secret lives under XDG_CACHE_HOME: the tests (and the processes they start)
# use a private one, never the real ~/.cache.
if "AWAITWISE_TEST_XDG" not in os.environ:
    import tempfile

    os.environ["AWAITWISE_TEST_XDG"] = os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="aw-xdg-")
