"""Offline translation and publication pipeline: HTML -> gettext catalogs -> MT -> review -> editions."""

__version__ = "0.1.0"
