"""Use cases. Each write use case commits exactly once; helpers only add and flush."""
