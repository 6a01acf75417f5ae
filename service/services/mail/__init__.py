"""E-mail coming in: a message becomes an incident, a comment or a note."""
