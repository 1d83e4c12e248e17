"""Kiosk, a Kivy app at each counter that never loses a rating."""

__version__ = "1.0.0"
