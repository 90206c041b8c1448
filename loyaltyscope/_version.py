"""The package version, in a module of its own so that nothing inside the package imports the
package root (``loyaltyscope/__init__.py``) to read it."""

__version__ = "0.1.0"
