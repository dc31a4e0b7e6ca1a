"""``manage.py import_holidays --country CN --year 2026 --calendar NAME``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicedesk.errors import NotFound
from sla.calendar import CalendarSpecError
from sla.holidays import holiday_dates


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
        from sla.services import calendar_holidays_add  # the models load with the command

        try:
            days_off, workdays = holiday_dates(options["country"], options["year"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            calendar = calendar_holidays_add(
                options["calendar"],
                days_off=days_off,
                workdays=workdays,
                replace_year=options["year"] if options["replace"] else None,
                dry_run=options["dry_run"],
            )
        except NotFound:
            raise CommandError(f"No business calendar named {options['calendar']!r}.") from None
        except CalendarSpecError as error:
            raise CommandError(f"The stored calendar is invalid: {error}") from error
        verb = "Would add" if options["dry_run"] else "Added"
        self.stdout.write(
            f"{verb} {len(days_off)} holidays and {len(workdays)} extra workdays of "
            f"{options['country'].upper()} {options['year']} to {calendar.name!r}."
        )
