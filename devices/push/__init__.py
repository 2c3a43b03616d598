"""The server side of the ZKTeco-style push protocol (PUSH / ADMS / iclock); see devices/README.md."""
