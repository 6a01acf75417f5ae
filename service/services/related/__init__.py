"""Related incidents: a parent and the children its resolution resolves, duplicates
merged into a survivor, and followers told about an incident as its reporter is."""

from .family import child_incidents, lifecycle_instance_id
from .followers import followers_of
from .resolution import resolve_children

__all__ = ["child_incidents", "followers_of", "lifecycle_instance_id", "resolve_children"]
