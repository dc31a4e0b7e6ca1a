"""Forms of the maintenance pages, one module per sub-domain: ``work_orders`` (filters and
the steps), ``fault_log``, ``plans`` (plans and inspection results), ``service_hours``."""
