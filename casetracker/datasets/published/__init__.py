"""The shipped dataset: reference data and one coherent set of deepfake cases.

``build(seed)`` returns fixture rows from which every figure of domain.md's tables A,
B and C follows by counting rows with the stated filters. The plan (``plan.py``) holds the
targets the rows are drawn to; nothing in the application reads it, and no count is
stored: the tests and the reports count the loaded rows. The same seed gives the same
rows, so the committed fixtures can be checked against a fresh build.

- ``plan.py``: the published figures and the dataset's own choices, as plain data;
- ``planner.py``: the incidents drawn to that plan;
- ``rows.py``: the reference rows and each planned incident's rows (``build``);
- ``fixtures.py``: the files of fixtures/ they are written to (``manage.py generate_dataset``).

Schools are fictional ("예시" means example); local offices, committees and the 17
offices of education are the real ones.
"""

from .plan import DEFAULT_SEED
from .rows import build

__all__ = ["DEFAULT_SEED", "build"]
