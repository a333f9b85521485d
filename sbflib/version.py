"""The client's version, shown in 关于 and compared with the newest version the bureau announces."""

__version__ = "0.1.0"
