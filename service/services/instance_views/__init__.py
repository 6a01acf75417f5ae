"""Read models of process instances for the owners' pages: the search and one instance."""
