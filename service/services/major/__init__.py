"""Major incidents: declaring one, following its process, its updates and its review."""
