"""Salon: an open social network for making and sharing pictures."""

__version__ = "0.1.0"
