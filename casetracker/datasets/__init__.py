"""Dataset tooling, outside the domain app: the published-figures dataset that ``manage.py
generate_dataset`` writes to fixtures/, and the synthetic incidents ``manage.py generate_cases``
adds for scale tests and benchmarks.

Installed by the local and test settings (and so by bench/, which runs on the local ones), not by
production's: production loads fixtures/ with ``manage.py load_shipped_data`` (the cases app) and
needs nothing from here.
"""
