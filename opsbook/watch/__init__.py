"""`opsbook watch`: a folder watched, each workbook checked as it lands, the schedule run,
people told.  ``ready`` decides when a workbook may be checked, ``loop`` runs the watch,
``reports`` makes the scheduled reports, ``state`` remembers what was done, ``service``
writes the Task Scheduler/systemd entries, ``commands`` is the CLI."""
