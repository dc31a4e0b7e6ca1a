"""``manage.py import_holidays --country CN --year 2026 --calendar NAME``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from sla.calendar import CalendarSpecError
from sla.holidays import holiday_dates, merge_into_spec


class Command(BaseCommand):
    help = (
        "Add a country's public holidays and make-up workdays of one year to a business "
        "calendar (from the holidays package)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="ISO 3166 code, e.g. CN")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--calendar", required=True, help="name of the business calendar")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop the calendar's existing dates of that year first",
        )
        parser.add_argument("--dry-run", action="store_true", help="show, do not save")

    def handle(self, *args: Any, **options: Any) -> None:
        from sla.models import BusinessCalendar  # the model is optional for the pure parts

        try:
            days_off, workdays = holiday_dates(options["country"], options["year"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        with transaction.atomic():
            calendar = (
                BusinessCalendar.objects.select_for_update()
                .filter(name=options["calendar"])
                .first()
            )
            if calendar is None:
                raise CommandError(f"No business calendar named {options['calendar']!r}.")
            try:
                spec = merge_into_spec(
                    calendar.spec,
                    days_off,
                    workdays,
                    replace_year=options["year"] if options["replace"] else None,
                )
            except CalendarSpecError as error:
                raise CommandError(f"The stored calendar is invalid: {error}") from error
            if not options["dry_run"]:
                calendar.spec = spec
                calendar.save()
        verb = "Would add" if options["dry_run"] else "Added"
        self.stdout.write(
            f"{verb} {len(days_off)} holidays and {len(workdays)} extra workdays of "
            f"{options['country'].upper()} {options['year']} to {calendar.name!r}."
        )
