from mlsd.cli import entry

entry()
