"""Read-only serializers of the shared directory (lookups for pickers and integrations)."""

from __future__ import annotations

from rest_framework import serializers

from servicedesk.models import Contact, Organization, Product, ProductVersion, Team, User


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "code", "phone", "address", "is_active"]
        read_only_fields = fields


class ContactOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    organization = ContactOrganizationSerializer(read_only=True)

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
        return obj.get_full_name() or obj.username
