"""The files of fixtures/ that ``manage.py load_shipped_data`` loads.

They are written by ``manage.py generate_dataset`` (casetracker/datasets, not installed in
production); production only reads them, so their names live here, with the loader.
"""

FILES = {"reference": "01_reference.json", "cases": "02_published_cases.json"}
