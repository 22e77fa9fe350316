"""Certificates: one dose record -> DIVOC W3C VC, EU DCC, SMART Health Card, WHO DDCC:VS."""
