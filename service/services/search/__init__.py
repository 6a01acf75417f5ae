"""Finding incidents: the full-text index kept in step with every write, ranked search
with snippets, the filtered incident list and its export, and earlier solutions."""
