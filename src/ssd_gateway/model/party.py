"""Persons, organisations (parties) and the child."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BeforeValidator, Field, model_validator

from ssd_gateway.model import cpr
from ssd_gateway.model.base import ChildId, DanishDate, Model, MunicipalityCode, Text, fail
from ssd_gateway.model.codes import ChildIdKind, Sector


def _cvr(value: object) -> object:
    if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{8}", value)):
        raise fail("cvr_format")
    return value


class Person(Model):
    """A person named in a record: parent, professional, notifier."""

    id: Text = Field(min_length=1)
    name: Text | None = None
    role: Text | None = None
    cpr: ChildId | None = None
    phone: Text | None = None
    address: Text | None = None


class Party(Model):
    """An organisation that sends or receives (DOMAIN.md §2) with its Danish identifiers."""

    org_id: Text = Field(min_length=1)
    name: Text | None = None
    sector: Sector
    municipality: MunicipalityCode | None = None
    performs_public_task: bool = False
    cvr: Annotated[Text | None, BeforeValidator(_cvr)] = None
    kombit_org_id: Text | None = None
    sor: Text | None = None


class Child(Model):
    """The child a record is about: CPR (or replacement id), birth date, municipality, custody."""

    id: ChildId
    id_kind: ChildIdKind = ChildIdKind.CPR
    name: Text | None = None
    birth_date: DanishDate
    municipality: MunicipalityCode
    custody_holders: list[Person] = Field(default_factory=list)
    parents_without_custody: list[Person] = Field(default_factory=list)
    address: Text | None = None
    language: Text | None = None

    @model_validator(mode="after")
    def _cpr_matches_birth_date(self) -> Self:
        if self.id_kind is ChildIdKind.REPLACEMENT and self.id.isdigit():
            raise fail("replacement_id_format", path="id")
        if self.id_kind is ChildIdKind.CPR:
            if not (len(self.id) == 10 and self.id.isdigit()):
                raise fail("not_cpr_format", path="id")
            if cpr.birth_date(self.id) != self.birth_date:
                raise fail("cpr_birth_date_mismatch", path="birth_date")
        return self

    def age_on(self, day: DanishDate) -> int:
        """Return the child's age in whole years on ``day``."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
