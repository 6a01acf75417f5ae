"""Who is told what, and how it is sent: rules, templates, SMTP and webhooks.

Flask-free and database-free: the outbox (services.outbox) decides what to
send inside a transaction, the delivery worker calls these to send it.
"""
