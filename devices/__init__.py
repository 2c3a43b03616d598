"""Terminals: the face clock-in program and the ZKTeco push protocol. Built in issues 4 and 5."""
