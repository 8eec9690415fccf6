"""What the tests scan outputs for: anything shaped like an e-mail address.

Written here, not imported from the product (warehouse/catalog.py EMAIL_PATTERN, the dbt var
email_pattern): a check must not share the code it checks. And deliberately broader than the
product's pattern, so that whatever the product would fail to mask is still found. Every text
in which EMAIL_PATTERN finds an address, this one finds one too, and more:

- the local part and the domain take any word character, and `\\w` is Unicode in Python: accented
  and non-Latin letters and digits, and `_`, which EMAIL_PATTERN's ASCII classes miss;
- the domain is any run of word characters, dots and hyphens before the last dot, so it covers
  EMAIL_PATTERN's `[A-Za-z0-9.-]+` (and `a@b..com`, which a label-by-label pattern misses);
- the top-level domain is two or more letters of any script, not only A-Z.

It finds some text that is no address (`x@1.2.ab`): for a scan that only has to come back
empty, a false alarm is a look at the text, a miss would be a leak.
"""

from __future__ import annotations

import re

EMAIL_SHAPED = re.compile(r"[\w.%+-]+@[\w.-]+\.[^\W\d_]{2,}")


def assert_no_email(text: str, where: str) -> None:
    found = EMAIL_SHAPED.search(text)
    assert found is None, f"an e-mail-shaped value {found.group(0)!r} in {where}"
