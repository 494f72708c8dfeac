"""Consent (samtykke): who may share what with whom, why, and until when (DOMAIN.md §3.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import AwareDatetime, Field, ValidationInfo, model_validator

from ssd_gateway.model.base import ChildId, DanishDate, Model, Text, fail, settings_of
from ssd_gateway.model.codes import Category, ConsentForm, GrantorRole, Purpose, Sector


class Grant(Model):
    """One person's part of a consent: a custody holder, or the young person from 15."""

    person_id: Text = Field(min_length=1)
    role: GrantorRole
    name: Text | None = None


class ConsentParty(Model):
    """A party covered by the consent: a sector, narrowed to one organisation by ``org_id``."""

    sector: Sector
    org_id: Text | None = None
    name: Text | None = None
    contact_person: Text | None = None


class Consent(Model):
    """A parental (and from 15, the young person's) consent to share information."""

    kind: Literal["consent"] = "consent"
    id: Text = Field(min_length=1)
    child_id: ChildId
    granted_by: list[Grant] = Field(min_length=1)
    signed_at: DanishDate
    valid_until: DanishDate
    revoked_at: AwareDatetime | None = None
    form: ConsentForm = ConsentForm.WRITTEN
    parties: list[ConsentParty]
    categories: list[Category] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    purpose_text: Text = Field(min_length=1)
    consequences_explained: bool = False

    @model_validator(mode="after")
    def _validity(self, info: ValidationInfo) -> Self:
        if not self.parties:
            raise fail("consent_no_parties", path="parties")
        if self.valid_until < self.signed_at:
            raise fail("consent_ends_before_start", path="valid_until")
        max_days = settings_of(info).consent_max_days
        if self.valid_until > self.signed_at + timedelta(days=max_days):
            raise fail("consent_too_long", max_days=max_days, path="valid_until")
        return self

    def is_revoked_at(self, moment: datetime) -> bool:
        """Return True if the consent was revoked at or before ``moment``."""
        return self.revoked_at is not None and self.revoked_at <= moment
