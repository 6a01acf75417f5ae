"""Pure rules of the service desk: no I/O, no framework, no engine."""
