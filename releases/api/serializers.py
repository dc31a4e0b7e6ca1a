"""Serializers of the releases API: versions with their patch, uploads, installations."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from servicedesk.api.serializers import (
    ContractRefSerializer,
    InputSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    ProductRefSerializer,
)
from servicedesk.models import Contract, ProductVersion

from ..models import Installation, Patch


class PatchSerializer(OutputSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Patch
        fields = ["name", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: Patch) -> str:
        url = reverse("api-release-patch", kwargs={"version": "v1", "pk": obj.version_id})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReleaseSerializer(OutputSerializer):
    product = ProductRefSerializer(read_only=True)
    patch = PatchSerializer(read_only=True, allow_null=True, help_text="null: no download.")

    class Meta:
        model = ProductVersion
        fields = ["id", "product", "version", "released_on", "notes", "patch"]
        read_only_fields = fields


class PatchUploadSerializer(InputSerializer):
    file = serializers.FileField(
        help_text="The package: .zip .tar.gz .tgz .7z .rar .exe .msi .sql .jar .war .patch .pdf; "
        "at most PATCH_MAX_BYTES (200 MB by default)."
    )


class VersionRefSerializer(OutputSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version", "released_on"]
        read_only_fields = fields


class InstallationSerializer(OutputSerializer):
    contract = ContractRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(source="contract.organization", read_only=True)
    product = ProductRefSerializer(read_only=True)
    version = VersionRefSerializer(read_only=True)

    class Meta:
        model = Installation
        fields = ["id", "contract", "organization", "product", "version", "installed_on"]
        fields += ["updated_at"]
        read_only_fields = fields


class InstallationCreateSerializer(InputSerializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())
    version = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.select_related("product")
    )
    installed_on = serializers.DateField(required=False, allow_null=True, default=None)
