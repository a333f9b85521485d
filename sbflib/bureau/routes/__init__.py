"""One router per resource: public, units, sessions, roster, demo."""
