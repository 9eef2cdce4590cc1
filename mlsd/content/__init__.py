"""Course content: the schema of case and framework files, loading them, and the checks `mlsd validate` and `mlsd dev check` run."""
