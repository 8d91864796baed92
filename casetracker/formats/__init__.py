"""Date formats, one per language for every page, table and message (``FORMAT_MODULE_PATH``).

Django's own would give a clerk "2024년 3월 4일 8:41 오전" on one page and "2024-3-4" in a table:
here a date reads the same everywhere, with a 24-hour time.
"""
