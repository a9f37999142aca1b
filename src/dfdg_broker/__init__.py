"""dfdg-broker: the DFDG broker between municipal case systems, LetAsyl and Jobnet, with a mock of the upstream."""

__version__ = "0.1.0"
