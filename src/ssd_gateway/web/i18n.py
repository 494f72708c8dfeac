"""User-facing texts of the web pages in Danish (default) and English."""

from __future__ import annotations

LANGS = ("da", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("SSD-gateway", "SSD gateway"),
    "login": ("Log ind", "Log in"),
    "logout": ("Log ud", "Log out"),
    "username": ("Brugernavn", "Username"),
    "password": ("Adgangskode", "Password"),
    "login_failed": ("Forkert brugernavn eller adgangskode", "Wrong username or password"),
    "forbidden": ("Du har ikke adgang til denne side", "You do not have access to this page"),
    "transfers": ("Overførsler", "Transfers"),
    "transfer": ("Overførsel", "Transfer"),
    "evidence_trail": ("Bevisspor", "Evidence trail"),
    "denied_by_reason": ("Afviste efter årsag", "Denied by reason"),
    "meetings": ("§49a-møder", "§49a meetings"),
    "verification": ("Verifikation af loggen", "Log verification"),
    "disclosure_report": ("Indsigtsrapport", "Disclosure report"),
    "queue": ("Kø", "Queue"),
    "dead_letters": ("Døde breve", "Dead letters"),
    "quarantine": ("Karantæne", "Quarantine"),
    "alerts": ("Varsler", "Alerts"),
    "certificates": ("Certifikater", "Certificates"),
    "filter": ("Filtrér", "Filter"),
    "cpr": ("CPR-nummer", "CPR number"),
    "organisation": ("Organisation", "Organisation"),
    "sector": ("Sektor", "Sector"),
    "basis": ("Hjemmel", "Legal basis"),
    "decision": ("Afgørelse", "Decision"),
    "reason": ("Årsag", "Reason"),
    "from": ("Fra", "From"),
    "to": ("Til", "To"),
    "when": ("Tidspunkt", "Time"),
    "kind": ("Type", "Kind"),
    "state": ("Tilstand", "State"),
    "peer": ("Modtager", "Peer"),
    "attempts": ("Forsøg", "Attempts"),
    "retry": ("Prøv igen", "Retry"),
    "cancel": ("Annullér", "Cancel"),
    "next": ("Næste", "Next"),
    "previous": ("Forrige", "Previous"),
    "none": ("Ingen", "None"),
    "permit": ("tilladt", "permitted"),
    "deny": ("afvist", "denied"),
    "verified_ok": ("Loggen er intakt", "The log is intact"),
    "verified_bad": ("Loggen er ændret", "The log has been altered"),
    "language": ("English", "Dansk"),
}


def t(key: str, lang: str) -> str:
    """Return the text for ``key`` in ``lang`` (Danish when unknown)."""
    da, en = TEXTS.get(key, (key, key))
    return en if lang == "en" else da


def other_lang(lang: str) -> str:
    """The language the switch link leads to."""
    return "da" if lang == "en" else "en"
