"""Reports assembled from results' sections (HTML via jinja2, every user string escaped)."""

from loyaltyscope.report.html_report import Section, write_report

__all__ = ["Section", "write_report"]
