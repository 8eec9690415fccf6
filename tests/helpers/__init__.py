"""What the tests share: the settings a test chooses, the warehouse harness, the payloads, the
oracle, the worked example and the e-mail scan. One copy of each; test folders import them as
`from helpers.<module> import ...`.

tests/ is on sys.path the way pytest's default (prepend) import mode puts it there: the
rootdir-most conftest.py, tests/conftest.py, lives in a folder without __init__.py. A regular
package (this __init__.py) cannot be shadowed by a namespace folder of the same name, and no
package of the repo is called `helpers`.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS.parent
