"""TicketFilter copies its declared filters shallowly per request (``_fresh_filter``):
nothing one request resolves (a customer's organization queryset, a method's parent) is
left on the declared filters or seen by another request."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from tickets.filters import TicketFilter
from tickets.models import Ticket


def _filterset(user, query: str = "") -> TicketFilter:
    request = RequestFactory().get("/")
    request.user = user
    return TicketFilter(QueryDict(query), queryset=Ticket.objects.all(), request=request)


@pytest.mark.django_db
def test_a_customers_organization_choices_stay_with_the_request(customer, other_customer, engineer):
    mine = _filterset(customer).form.fields["organization"].queryset
    every = _filterset(engineer).form.fields["organization"].queryset
    assert list(mine) == [customer.organization]
    assert other_customer.organization in list(every)
    declared = TicketFilter.base_filters["organization"]
    assert callable(declared.extra["queryset"])  # not the last request's queryset
    assert not hasattr(declared, "_field")
    # a customer naming another organization still gets "not a valid choice"
    foreign = _filterset(customer, f"organization={other_customer.organization_id}")
    assert "organization" in foreign.errors


@pytest.mark.django_db
def test_each_request_has_its_own_filters_fields_and_method_parent(engineer):
    first, second = _filterset(engineer, "q=x"), _filterset(engineer, "q=y")
    assert first.filters["q"] is not second.filters["q"]
    assert first.filters["q"].filter.f is first.filters["q"]  # FilterMethod bound to the copy
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    assert first.form.fields["team"] is not second.form.fields["team"]
    first.form.fields["q"].widget.attrs["placeholder"] = "changed"
    assert "placeholder" not in second.form.fields["q"].widget.attrs
    assert first.is_valid() and second.is_valid()
    assert not hasattr(TicketFilter.base_filters["q"], "parent")
