"""The posts kind's settings (the ``[posts]`` section of opsbook.toml): each default with the
reason it is what it is.  ``opsbook config --show`` prints the values in effect."""

from __future__ import annotations

DEFAULTS = {
    # R1 = 運營規章制度1; R3 = 運營規章制度3 §四 (every web post GM-confirmed, ≥1 post a week).
    "profile": "R1",
    # Platforms that are "the website" (R1 ch.4); every other platform is new media (ch.5).
    "website_platforms": ["官網", "官方網站", "網站", "公司網站", "website"],
    # New-media platforms that must post every day (R1-5.5.1); empty = every new-media
    # platform that appears in the post log.
    "daily_platforms": [],
    # Count weekends in the daily cadence (the regulation says 每天, so yes by default).
    "daily_includes_weekends": True,
    # Website posts per ISO week (R1-4.5.1: 3; the R3 profile uses R3-4.6.1's 1).
    "website_posts_per_week": 3,
    # The categories R1-4.5.2/5.5.2 call 重大新聞/活動, as the teams' logs name them.
    "news_categories": ["公司新聞", "重大活動", "重大新聞"],
    # R1-4.5.2/5.5.2 and R3-4.6.2: online within 3 working days of the event's end.
    "news_working_days": 3,
    # The categories R1-4.5.3/5.5.3 call 重大促銷活動.
    "promo_categories": ["促銷活動", "重大促銷"],
    # R1-4.5.3/5.5.3 and R3-4.6.3: announced 3 days before the promotion starts.
    "promo_days_ahead": 3,
    # R1-6.7: user messages answered within 12 hours.
    "inquiry_reply_hours": 12,
    # Roles (roster 職位) that count as operations manager / general manager.
    "manager_roles": ["運營經理", "運營部經理", "運營部負責人", "運營總監"],
    "gm_roles": ["總經理"],
}
