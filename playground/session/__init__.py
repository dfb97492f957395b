"""Qt-free application state: data files, sessions, (de)serialisation and validation."""
