"""Voila dashboards for the workbench: `App(wb)` is the whole client in one widget; every menu page
is a `Page` (sbflib.ui.page) registered in `sbflib.ui.menus.PAGES`."""

from sbflib.ui.app import App
from sbflib.ui.page import Page

__all__ = ["App", "Page"]
