"""Single sign-on: who an OpenID provider's claims name, the user made for them on
their first sign-in, and their desk groups taken from the provider at every sign-in."""
