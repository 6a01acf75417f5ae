"""How a channel says that sending again cannot help."""


class PermanentFailure(Exception):
    """The receiving side refused for good (an SMTP 5xx, an HTTP 410)."""
