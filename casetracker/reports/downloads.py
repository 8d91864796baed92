"""Report files (placeholder module: being written; see reports/urls.py)."""
