"""Server-rendered pages for compliance officers and operators (Danish by default, English too).

Usable without JavaScript; authenticated with local accounts; every page view that shows
personal data is itself written to the evidence log.
"""
