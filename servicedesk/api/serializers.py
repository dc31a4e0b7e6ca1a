"""Read-only serializers of the shared directory: lookups for pickers and integrations, and
the short references (``{"id", "name"}``) other apps' serializers embed."""

from __future__ import annotations

from rest_framework import serializers

from servicedesk.models import Contact, Contract, Organization, Product, ProductVersion, Team, User


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj: User) -> str:
        return display_name(obj)


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ProductVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version"]
        read_only_fields = fields


class ContactRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name"]
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "code", "phone", "address", "is_active"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "phone", "email", "position", "organization"]
        read_only_fields = fields


class ProductVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version", "released_on"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    versions = ProductVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "versions"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
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
