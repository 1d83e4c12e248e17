"""Follow-up cases: every dissatisfied citizen who said why, or left a way back, gets an answer.

Import-light: the wiring is in cases/app.py (the component's init_app).
"""
