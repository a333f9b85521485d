"""Voila dashboards for the workbench: `App(wb)` is the whole client in one widget."""

from sbflib.ui.app import App

__all__ = ["App"]
