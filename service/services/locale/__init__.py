"""The reporter's language and time: each user's choice, and the desk's defaults."""
