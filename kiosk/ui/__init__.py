"""The Kivy layer: renders the flow's state and forwards taps and keys (see kiosk.flow)."""
