"""Tuijin (推进): key projects and enterprise service for a county government."""

__version__ = "0.1.0"
