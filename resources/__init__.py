"""Data only (see README.md): this file makes resources/ the package playground.resources,
so that importlib.resources finds the files in a wheel and in an editable install alike."""
