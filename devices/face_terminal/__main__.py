"""`python -m devices.face_terminal`: the terminal program (see the package's docstring)."""

from devices.face_terminal.cli import main

raise SystemExit(main())
