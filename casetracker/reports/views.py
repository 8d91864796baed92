"""Report pages (placeholder module: the pages are being written; see reports/urls.py)."""
