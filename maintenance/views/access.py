"""Who may use the maintenance pages: members of staff (as the staff console); customers
and others get the same 403 page. The role rules of each step are the services' business."""

from tickets.views.staff.access import forbidden, staff_required

__all__ = ["forbidden", "staff_required"]
