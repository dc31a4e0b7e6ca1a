"""Read-only serializers of the shared directory: lookups for pickers and integrations, and
the short references (``{"id", "name"}``) other apps' serializers embed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.models import Contact, Contract, Organization, Product, ProductVersion, Team, User
from servicedesk.text import one_line


class OutputSerializer(serializers.ModelSerializer):
    """A read-only model serializer whose schema says what the wire carries.

    DRF builds read-only model fields without ``allow_null`` / ``allow_blank``, so the
    generated schema declared e.g. a ticket's ``assignee`` a non-nullable object and its
    ``area`` an enum without ``""``, while the responses carried ``null`` and ``""``. Here a
    nullable model field is a nullable API field, a blank choice field admits ``""``.
    """

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            source = field.source or name
            if "." in source or source == "*":
                continue
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if getattr(model_field, "null", False) and not model_field.many_to_many:
                field.allow_null = True
            if (
                isinstance(field, serializers.ChoiceField)
                and model_field.blank
                and getattr(model_field, "choices", None)
            ):
                field.allow_blank = True
        return fields


# Bounds of every input field that does not state its own (the schema shows them): free text
# up to TEXT_MAX characters, whole numbers within a PostgreSQL integer, lists up to LIST_MAX
# items, dates and times from 2000 to 2099.
TEXT_MAX = 10_000
ONE_LINE_MAX = 300  # up to this length a text is one line: control characters become spaces
INT_MAX = 2**31 - 1
LIST_MAX = 100
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)


def _in_date_range(value: dt.date | dt.datetime) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise serializers.ValidationError(
            _("Enter a date from %(first)s to %(last)s.")
            % {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()}
        )


def bound_field(field: serializers.Field) -> None:
    """Give ``field`` the default bounds above where it has none of its own."""
    if isinstance(field, serializers.ListSerializer):
        if field.max_length is None:
            field.max_length = LIST_MAX
        bound_field(field.child)
    elif isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            bound_field(child)
    elif isinstance(field, serializers.ListField):
        if field.max_length is None:
            field.max_length = LIST_MAX
            field.validators.append(
                MaxLengthValidator(
                    LIST_MAX, field.error_messages["max_length"].format(max_length=LIST_MAX)
                )
            )
        bound_field(field.child)
    elif isinstance(field, serializers.ChoiceField | serializers.FileField | serializers.JSONField):
        return
    elif isinstance(field, serializers.CharField) and field.max_length is None:
        field.max_length = TEXT_MAX
        message = field.error_messages["max_length"].format(max_length=TEXT_MAX)
        field.validators.append(MaxLengthValidator(TEXT_MAX, message=message))
    elif isinstance(field, serializers.IntegerField):
        if field.min_value is None:
            field.min_value = 0
            message = field.error_messages["min_value"].format(min_value=0)
            field.validators.append(MinValueValidator(0, message=message))
        if field.max_value is None:
            field.max_value = INT_MAX
            message = field.error_messages["max_value"].format(max_value=INT_MAX)
            field.validators.append(MaxValueValidator(INT_MAX, message=message))
    elif isinstance(field, serializers.DateField | serializers.DateTimeField):
        field.validators.append(_in_date_range)
        if not field.help_text:
            field.help_text = f"From {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}."


class InputSerializer(serializers.Serializer):
    """A request body: each field bounded (``bound_field``), so no input reaches the database
    or the SLA arithmetic that they cannot hold (a 10 MB description, a 3e9 level)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if not field.read_only:
                bound_field(field)
        return fields

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        for name, field in self.fields.items():
            if _one_line(field) and isinstance(values.get(name), str):
                values[name] = one_line(values[name])
        return values


def _one_line(field: serializers.Field) -> bool:
    """A short text (a title, a name, a phone number): it never holds a line break."""
    return (
        isinstance(field, serializers.CharField)
        and not isinstance(field, serializers.ChoiceField)
        and (field.max_length or TEXT_MAX) <= ONE_LINE_MAX
    )


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj: User) -> str:
        return display_name(obj)


class OrganizationRefSerializer(OutputSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class ProductRefSerializer(OutputSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ProductVersionRefSerializer(OutputSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version"]
        read_only_fields = fields


class ContactRefSerializer(OutputSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name"]
        read_only_fields = fields


class TeamRefSerializer(OutputSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class OrganizationSerializer(OutputSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "code", "phone", "address", "is_active"]
        read_only_fields = fields


class ContactSerializer(OutputSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "phone", "email", "position", "organization"]
        read_only_fields = fields


class ProductVersionSerializer(OutputSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version", "released_on"]
        read_only_fields = fields


class ProductSerializer(OutputSerializer):
    versions = ProductVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "versions"]
        read_only_fields = fields


class TeamSerializer(OutputSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class UserSerializer(OutputSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "phone", "role", "is_away"]
        read_only_fields = fields

    def get_name(self, obj: User) -> str:
        return display_name(obj)


class ContractRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "number"]
        read_only_fields = fields
