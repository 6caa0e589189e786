"""``[notify.NAME]`` targets: WeCom and DingTalk group robots, e-mail over SMTP, a generic
JSON webhook.  ``targets`` reads them (and their secrets), ``messages`` writes what is said,
``send`` delivers it with bounded retries.
"""

from __future__ import annotations

from .messages import Message, report_message, workbook_message
from .send import Delivery, deliver
from .targets import Target, load_targets

__all__ = [
    "Delivery",
    "Message",
    "Target",
    "deliver",
    "load_targets",
    "report_message",
    "workbook_message",
]
