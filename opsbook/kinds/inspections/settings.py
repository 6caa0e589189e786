"""The inspections kind's settings (the ``[inspections]`` section of opsbook.toml): each
default with the reason it is what it is."""

from __future__ import annotations

DEFAULTS = {
    # R2-2.1: every residential customer inspected (entered) at least twice a year.
    "min_yearly_visits": 2,
    # The 用戶類型 values R2-2.1's "民用戶" covers, as the teams write them.
    "residential_types": ["民用", "居民", "residential"],
    # R2-1.2: a customer with no gas purchase for 3 months goes on the blacklist.
    "blacklist_months": 3,
    # Days allowed between blacklisting and the follow-up visit; 0 = any time after listing.
    "blacklist_followup_days": 0,
    # R2-1.6: minimum visits per period for public-service/industrial customers; 0 = off
    # (the regulation asks for "key" visits without a number).
    "key_customer_min_visits": 0,
    "key_customer_period": "quarter",  # month | quarter | year
    # The 用戶類型 values R2-1.6's key customers (公服、工業) are written as.
    "key_customer_types": ["公服", "工業"],
}
