"""What a message taken in became, as stored on it and shown to admins."""

OPENED = "opened"  # a new incident
COMMENTED = "commented"  # a public reply by the reporter or an agent
NOTED = "noted"  # an internal note: the sender is not on the incident
AUTO_REPLY = "auto_reply"  # a machine wrote it: recorded, never answered
BOUNCE = "bounce"  # a delivery report about a mail the desk sent
REFUSED = "refused"  # a new message from an unknown address, when the desk refuses those
LIMITED = "limited"  # past the sender's hourly limit
EMPTY = "empty"  # a reply with neither text nor files
FAILED = "failed"  # the process refused it: kept, with the reason, for an admin
ALL = (OPENED, COMMENTED, NOTED, AUTO_REPLY, BOUNCE, REFUSED, LIMITED, EMPTY, FAILED)
# Not stored: no sender, too large, or not a message at all.
UNUSABLE = "unusable"
