"""Danish and English texts for validation problems, keyed by a stable code."""

from __future__ import annotations

#: code -> (Danish, English); ``{…}`` placeholders are filled from the error context
MESSAGES: dict[str, tuple[str, str]] = {
    "not_cpr_format": (
        "CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS)",
        "a CPR number has 10 digits (DDMMYY-SSSS)",
    ),
    "cpr_impossible_date": (
        "CPR-nummerets første seks cifre er ikke en gyldig dato",
        "the first six digits of the CPR number are not a real date",
    ),
    "cpr_birth_date_mismatch": (
        "fødselsdatoen passer ikke med CPR-nummeret",
        "the birth date does not match the CPR number",
    ),
    "replacement_id_format": (
        "et erstatnings-id skal indeholde mindst ét bogstav, så det ikke ligner et CPR-nummer",
        "a replacement id must contain at least one letter, so it cannot pass for a CPR number",
    ),
    "control_character": (
        "teksten indeholder et kontroltegn",
        "the text contains a control character",
    ),
    "date_type": ("datoen skal være tekst", "a date must be text"),
    "date_format": (
        "ukendt datoformat; brug fx 2007-09-06, 06.09.2007 eller 06.09.07",
        "unknown date format; use e.g. 2007-09-06, 06.09.2007 or 06.09.07",
    ),
    "date_impossible": ("datoen findes ikke", "the date does not exist"),
    "future_date": ("datoen ligger i fremtiden", "the date is in the future"),
    "after_last_update": (
        "datoen ligger efter stafetloggens sidste opdatering",
        "the date is after the stafetlog's last update",
    ),
    "municipality_code": (
        "kommunekoden skal have 4 cifre (fx 0101)",
        "a municipality code has 4 digits (e.g. 0101)",
    ),
    "cvr_format": ("CVR-nummeret skal have 8 cifre", "a CVR number has 8 digits"),
    "form_variant_age": (
        "skemaet passer ikke til barnets alder ({age} år): brug {expected}",
        "the form variant does not fit the child's age ({age} years): use {expected}",
    ),
    "consent_too_long": (
        "samtykket må højst gælde {max_days} dage fra underskriften",
        "a consent may be valid for at most {max_days} days from signing",
    ),
    "consent_ends_before_start": (
        "samtykket udløber før det er underskrevet",
        "the consent expires before it was signed",
    ),
    "consent_no_parties": (
        "samtykket skal nævne mindst én part",
        "the consent must name at least one party",
    ),
    "holder_required": (
        "en åben stafetlog skal have præcis én stafetholder",
        "an open stafetlog must have exactly one stafetholder",
    ),
    "withhold_reason_required": (
        "angiv hvorfor forældrene ikke må orienteres",
        "give the reason the parents must not be told",
    ),
    "child_id_required": (
        "barnet skal identificeres med CPR-nummer eller erstatnings-id",
        "the child needs a CPR number or a replacement id",
    ),
    "missing": ("feltet skal udfyldes", "field required"),
    "extra_forbidden": ("ukendt felt", "unknown field"),
    "enum": ("ugyldig værdi; tilladt: {expected}", "invalid value; allowed: {expected}"),
    "literal_error": ("ugyldig værdi; tilladt: {expected}", "invalid value; allowed: {expected}"),
    "string_pattern_mismatch": ("værdien har forkert format", "the value has the wrong format"),
    "union_tag_invalid": (
        "ukendt posttype '{tag}'; tilladt: {expected_tags}",
        "unknown record kind '{tag}'; allowed: {expected_tags}",
    ),
    "union_tag_not_found": ("feltet 'kind' mangler", "the field 'kind' is missing"),
}


def texts(code: str, context: dict[str, object] | None, fallback: str) -> tuple[str, str]:
    """Return the Danish and English text for ``code``, or ``fallback`` in both."""
    template = MESSAGES.get(code)
    if template is None:
        return (f"ugyldig værdi ({fallback})", fallback)
    ctx = {k: str(v) for k, v in (context or {}).items()}
    try:
        return (template[0].format(**ctx), template[1].format(**ctx))
    except (KeyError, IndexError):
        return template
