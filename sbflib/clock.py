"""Moved; import sbflib.domain.clock. This re-export stays until every import has moved."""

from sbflib.domain.clock import current_month, now, reset, set_today, today  # noqa: F401
